using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Processes;

namespace Fabrix.AppHost.Nats;

/// <summary>
/// nats-server with JetStream, its file store under <c>.fabrix/NAME/</c>, on 127.0.0.1 only. Ready when a client
/// connection receives the server's <c>INFO</c> line. Stopped with SIGTERM (nats-server shuts down cleanly on it).
/// </summary>
internal sealed class NatsResource : IResource
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private readonly ResourceProcess _process;
    private string? _executable;

    public NatsResource(string name, Endpoint endpoint)
    {
        Name = name;
        Endpoint = endpoint;
        _process = new ResourceProcess(name);
    }

    public string Name { get; }

    public Endpoint Endpoint { get; }

    public IReadOnlyList<IResource> Dependencies => [];

    public IReadOnlyList<Endpoint> Endpoints => [Endpoint];

    public string Url => string.Create(CultureInfo.InvariantCulture, $"nats://{Endpoint.Host}:{Endpoint.Port}");

    public Task<int>? Exited => _process.Exited;

    public string StoreDirectory(RunContext context) => context.DataPath(Name);

    public IReadOnlyList<Tool> RequiredTools(RunContext context) => Executable(context) is null ? [Tool.NatsServer] : [];

    public Task PrepareAsync(RunContext context, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(StoreDirectory(context));
        return Task.CompletedTask;
    }

    public Task StopLeftoverAsync(RunContext context, CancellationToken cancellationToken) => _process.StopLeftoverAsync(context);

    public Task StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        var executable = Executable(context) ?? throw new AppHostException(Tool.MissingMessage([Tool.NatsServer]));
        _process.Start(context, new ChildProcessSpec(
            executable,
            ["-a", Endpoint.Host, "-p", Endpoint.Port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", StoreDirectory(context)]));
        return Task.CompletedTask;
    }

    public Task WaitUntilReadyAsync(RunContext context, CancellationToken cancellationToken) =>
        _process.WaitUntilReadyAsync(context, ReceivesInfoAsync, cancellationToken);

    public Task StopAsync(RunContext context) => _process.StopAsync(context);

    private string? Executable(RunContext context) => _executable ??= context.Executables.Find(Tool.NatsServer.FileName);

    private async Task<bool> ReceivesInfoAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(Endpoint.Host, Endpoint.Port, timeout.Token);
            var buffer = new byte[5];
            var read = 0;
            var stream = client.GetStream();
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
                if (n == 0)
                {
                    return false;
                }

                read += n;
            }

            return Encoding.ASCII.GetString(buffer) == "INFO ";
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
