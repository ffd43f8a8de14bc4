using System.Runtime.InteropServices;
using Fabrix.Benchmarks;
using Fabrix.Benchmarks.AuditIngest;
using Fabrix.Benchmarks.Events;
using Fabrix.Benchmarks.Gateway;
using Fabrix.Benchmarks.Proxy;
using Npgsql;

// benchmarks/run.sh health|audit-ingest|gateway-http|gateway-grpc|proxy-http|proxy-connect|events-publish|events-faults|webhooks [args]  (or: dotnet run -c Release --project benchmarks/Fabrix.Benchmarks -- health ...)
if (args is ["audit-ingest", ..])
{
    return await RunAuditIngestAsync(args);
}

if (args is ["gateway-http" or "gateway-grpc", ..])
{
    return await RunGatewayAsync(args);
}

if (args is ["proxy-http" or "proxy-connect", ..])
{
    return await RunProxyAsync(args);
}

if (args is ["events-publish" or "events-faults" or "webhooks", ..])
{
    return await RunEventsAsync(args);
}

if (args is ["gateway-yarp", ..])
{
    // The bare forwarder gateway-http and gateway-grpc start as a process of its own.
    return await BareForwarder.RunAsync(args);
}

if (!BenchmarkArguments.TryParse(args, Environment.GetEnvironmentVariable(BenchmarkArguments.ConnectionVariable), out var arguments, out var error))
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(BenchmarkArguments.Usage);
    return 2;
}

// The first Ctrl-C or SIGTERM stops the run cleanly (the benchmark database is dropped); a second one ends it at once.
using var cancellation = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

try
{
    return await HealthPollingBenchmark.RunAsync(arguments, Console.Out, cancellation.Token);
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
catch (NpgsqlException exception)
{
    // A server that cannot be reached, a refused password, a role without CREATEDB: one line, not a stack trace.
    Console.Error.WriteLine($"error: PostgreSQL ({BenchmarkArguments.ConnectionVariable} / --connection): {exception.Message}");
    return 1;
}

static async Task<int> RunAuditIngestAsync(string[] args)
{
    if (!AuditIngestArguments.TryParse(args, Environment.GetEnvironmentVariable(BenchmarkArguments.ConnectionVariable), out var arguments, out var error))
    {
        Console.Error.WriteLine(error);
        Console.Error.WriteLine(AuditIngestArguments.Usage);
        return 2;
    }

    using var cancellation = new CancellationTokenSource();
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; cancellation.Cancel(); });
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; cancellation.Cancel(); });
    try
    {
        return await AuditIngestBenchmark.RunAsync(arguments, Console.Out, cancellation.Token);
    }
    catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
    {
        Console.Error.WriteLine("cancelled");
        return 130;
    }
}

static async Task<int> RunGatewayAsync(string[] args)
{
    if (!GatewayBenchArguments.TryParse(args, out var arguments, out var error))
    {
        Console.Error.WriteLine(error);
        Console.Error.WriteLine(GatewayBenchArguments.Usage);
        return 2;
    }

    using var cancellation = new CancellationTokenSource();
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; cancellation.Cancel(); });
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; cancellation.Cancel(); });
    try
    {
        return arguments.Benchmark == "gateway-grpc"
            ? await GatewayGrpcBenchmark.RunAsync(arguments, Console.Out, cancellation.Token)
            : await GatewayHttpBenchmark.RunAsync(arguments, Console.Out, cancellation.Token);
    }
    catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
    {
        Console.Error.WriteLine("cancelled");
        return 130;
    }
    catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or Grpc.Core.RpcException or HttpRequestException or NpgsqlException)
    {
        // A part that did not start or a refused step: one line (the servers' logs are in the work folder with KEEP_WORK=1).
        Console.Error.WriteLine($"error: {exception.Message}");
        return 1;
    }
}

static async Task<int> RunProxyAsync(string[] args)
{
    if (!ProxyBenchArguments.TryParse(args, out var arguments, out var error))
    {
        Console.Error.WriteLine(error);
        Console.Error.WriteLine(ProxyBenchArguments.Usage);
        return 2;
    }

    using var cancellation = new CancellationTokenSource();
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; cancellation.Cancel(); });
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; cancellation.Cancel(); });
    try
    {
        return arguments.Benchmark == "proxy-connect"
            ? await ProxyConnectBenchmark.RunAsync(arguments, Console.Out, cancellation.Token)
            : await ProxyHttpBenchmark.RunAsync(arguments, Console.Out, cancellation.Token);
    }
    catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
    {
        Console.Error.WriteLine("cancelled");
        return 130;
    }
    catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or Grpc.Core.RpcException or HttpRequestException or NpgsqlException
        or System.Net.Sockets.SocketException)
    {
        // A part that did not start or a refused step: one line (the servers' logs are in the work folder with KEEP_WORK=1).
        Console.Error.WriteLine($"error: {exception.Message}");
        return 1;
    }
}

static async Task<int> RunEventsAsync(string[] args)
{
    if (!EventsBenchArguments.TryParse(args, out var arguments, out var error))
    {
        Console.Error.WriteLine(error);
        Console.Error.WriteLine(EventsBenchArguments.Usage);
        return 2;
    }

    using var cancellation = new CancellationTokenSource();
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; cancellation.Cancel(); });
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; cancellation.Cancel(); });
    try
    {
        return arguments.Benchmark switch
        {
            "events-faults" => await EventsFaultBenchmark.RunAsync(arguments, Console.Out, cancellation.Token),
            "webhooks" => await WebhooksBenchmark.RunAsync(arguments, Console.Out, cancellation.Token),
            _ => await EventsPublishBenchmark.RunAsync(arguments, Console.Out, cancellation.Token),
        };
    }
    catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
    {
        Console.Error.WriteLine("cancelled");
        return 130;
    }
    catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or Grpc.Core.RpcException or HttpRequestException or NpgsqlException
        or NATS.Client.Core.NatsException)
    {
        // A part that did not start or a refused step: one line (the servers' logs are in the work folder with KEEP_WORK=1).
        Console.Error.WriteLine($"error: {exception.Message}");
        return 1;
    }
}
