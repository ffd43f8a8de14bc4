using System.Diagnostics;
using System.Globalization;
using System.Net;
using Fabrix.Core.Registry.Health;
using Fabrix.Core.Registry.Outbox;
using Fabrix.Core.Registry.Persistence;
using Npgsql;

namespace Fabrix.Benchmarks;

/// <summary>
/// Issue 3 §1: "it keeps up with 500 plugins on this 2-core machine — show it in a benchmark that reports the achieved
/// poll rate against the configured rate". Runs, in one process and one run:
/// <list type="number">
/// <item>a burst baseline: the same number of plain <see cref="HttpClient"/> GETs against the same server with the
/// same concurrency, no monitor, as fast as they go (the machine's capacity);</item>
/// <item>the real <see cref="HealthMonitor"/> (registered by <c>AddHealthMonitoring</c>, real
/// <see cref="TimeProvider"/>) polling every plugin at the configured interval for the measured duration, recording
/// into an in-memory counter (<c>--store memory</c>) or into the registry's real PostgreSQL <see cref="HealthStore"/>
/// on a fresh, migrated and seeded database (<c>--store postgres</c>);</item>
/// <item>a paced baseline: the same GETs again, same concurrency, no monitor, sent in the monitor's rhythm (one batch
/// per tick) for the same duration — what the polling alone costs;</item>
/// <item>the burst baseline again, so machine noise shows up as a difference between the two.</item>
/// </list>
/// Reported as ratios: achieved ÷ configured poll rate, the monitor's CPU per poll ÷ the paced baseline's CPU per
/// GET (the monitor's overhead), and burst capacity ÷ configured rate (headroom); with PostgreSQL also the
/// <c>health_samples</c> rows ÷ the observations recorded and the time one record takes.
/// </summary>
internal static class HealthPollingBenchmark
{
    public static async Task<int> RunAsync(BenchmarkArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        var configuredRate = arguments.Plugins / arguments.Interval.TotalSeconds;
        var requests = (int)Math.Round(configuredRate * arguments.Duration.TotalSeconds);
        await using var server = await PluginHealthServer.StartAsync(arguments.Plugins);
        output.WriteLine($"health benchmark: {arguments.Plugins} plugins, interval {Format(arguments.Interval)}, duration {Format(arguments.Duration)}, concurrency {arguments.Concurrency}");
        output.WriteLine($"one Kestrel server at {server.Address} with {arguments.Plugins} health paths; {Environment.ProcessorCount} cores; configured rate {configuredRate:0} polls/s");

        // Before the baselines, so a server that cannot be reached fails the run at once.
        await using var database = arguments.Store == HealthStoreKind.Postgres
            ? await PrepareDatabaseAsync(arguments.Connection!, server, output, cancellationToken)
            : null;

        var tick = Tick(arguments.Interval);
        var before = await RunBaselineAsync(server, requests, arguments.Concurrency, pacing: null, cancellationToken);
        var run = await RunMonitorAsync(server, database, arguments, cancellationToken);
        var monitor = run.Result;
        var paced = await RunBaselineAsync(server, requests, arguments.Concurrency, pacing: (tick, Math.Max(1, (int)Math.Round(configuredRate * tick.TotalSeconds))), cancellationToken);
        var after = await RunBaselineAsync(server, requests, arguments.Concurrency, pacing: null, cancellationToken);

        var baselineRate = (before.Rate + after.Rate) / 2;
        var rateRatio = monitor.Rate / configuredRate;
        output.WriteLine();
        output.WriteLine($"| {"run",-36} | {"requests",8} | {"wall s",7} | {"req/s",8} | {"CPU ms/req",10} | {"p50 ms",7} | {"p99 ms",7} |");
        output.WriteLine($"|{new string('-', 38)}|{new string('-', 10)}|{new string('-', 9)}|{new string('-', 10)}|{new string('-', 12)}|{new string('-', 9)}|{new string('-', 9)}|");
        Row(output, "burst baseline, plain HttpClient", before);
        Row(output, database is null ? $"HealthMonitor, {Format(arguments.Interval)} interval" : $"HealthMonitor + PostgreSQL, {Format(arguments.Interval)}", monitor);
        Row(output, $"paced baseline, a batch per {Format(tick)}", paced);
        Row(output, "burst baseline again (noise check)", after);
        output.WriteLine();
        output.WriteLine($"achieved / configured poll rate             : {monitor.Rate:0.0} / {configuredRate:0.0} polls/s = {rateRatio:0.000}");
        output.WriteLine($"polls per plugin in the window              : min {monitor.MinPerPlugin}, max {monitor.MaxPerPlugin}, expected {arguments.Duration / arguments.Interval:0.#}");
        output.WriteLine($"failed polls                                : {monitor.Failures}");
        output.WriteLine($"paced baseline rate / configured rate       : {paced.Rate:0.0} / {configuredRate:0.0} = {paced.Rate / configuredRate:0.000}");
        output.WriteLine($"monitor overhead, CPU per poll / per GET    : {monitor.CpuMsPerRequest:0.000} / {paced.CpuMsPerRequest:0.000} ms = {monitor.CpuMsPerRequest / paced.CpuMsPerRequest:0.00}x");
        output.WriteLine($"headroom, burst capacity / configured rate  : {baselineRate:0} / {configuredRate:0} = {baselineRate / configuredRate:0.0}x");
        output.WriteLine($"noise, burst after / before                 : {after.Rate / before.Rate:0.00}");

        // Keeping up means at least 95 % of the configured rate with no failed poll.
        var keptUp = rateRatio >= 0.95 && monitor.Failures == 0;
        var summary = new HealthSummary("health", database is null ? "memory" : "postgres", arguments.Plugins, arguments.Interval.TotalSeconds,
            Math.Round(monitor.Rate, 1), Math.Round(rateRatio, 3), monitor.Failures, Math.Round(monitor.CpuMsPerRequest / paced.CpuMsPerRequest, 2),
            Math.Round(baselineRate / configuredRate, 1));
        if (database is null)
        {
            BenchmarkSummary.Write(output, summary);
            return keptUp ? 0 : 1;
        }

        var rows = await database.CountAsync(run.WindowStart, run.WindowEnd, cancellationToken);
        var counter = run.Counter;
        var records = counter.RecordDurationsMs();
        output.WriteLine($"health_samples rows / observations recorded : {rows.Samples} / {counter.Recorded} = {Ratio(rows.Samples, counter.Recorded)} (whole run)");
        output.WriteLine($"health_samples rows / polls in the window   : {rows.SamplesInWindow} / {monitor.Requests} = {Ratio(rows.SamplesInWindow, monitor.Requests)}");
        output.WriteLine($"observations the store failed to record     : {counter.RecordFailures}");
        output.WriteLine($"RecordAsync in the window, p50 / p99        : {Percentile(records.PlainMs, 0.50):0.00} / {Percentile(records.PlainMs, 0.99):0.00} ms for {records.PlainMs.Count} samples; {Percentile(records.TransitionMs, 0.50):0.00} / {Percentile(records.TransitionMs, 0.99):0.00} ms for {records.TransitionMs.Count} with a transition (one transaction each, pool wait included)");
        output.WriteLine($"transitions, whole run / in the window      : {counter.Transitions} / {counter.TransitionsInWindow} (rows: health_transitions {rows.Transitions}, plugin.health audit {rows.HealthAuditRows}, event_outbox {rows.OutboxRows})");
        if (run.ServerCpu is { } serverCpu)
        {
            var serverMsPerPoll = serverCpu.TotalMilliseconds / Math.Max(1, monitor.Requests);
            var totalMsPerPoll = monitor.CpuMsPerRequest + serverMsPerPoll;
            output.WriteLine($"PostgreSQL server CPU per poll (local)      : {serverMsPerPoll:0.000} ms (postmaster and its children, from /proc)");
            output.WriteLine($"process + server CPU per poll / per GET     : {totalMsPerPoll:0.000} / {paced.CpuMsPerRequest:0.000} ms = {totalMsPerPoll / paced.CpuMsPerRequest:0.00}x; {(monitor.Cpu + serverCpu) / monitor.Wall:P1} of one core");
        }
        else
        {
            output.WriteLine("PostgreSQL server CPU                       : not measured (the server is not on this machine); CPU per poll above is this process's only");
        }

        // With PostgreSQL, also: every observation recorded, and exactly one sample row for each.
        BenchmarkSummary.Write(output, summary with { NotRecorded = counter.RecordFailures, SampleRowsPerObservation = Math.Round((double)rows.Samples / Math.Max(1, counter.Recorded), 3) });
        return keptUp && counter.RecordFailures == 0 && rows.Samples == counter.Recorded ? 0 : 1;
    }

    /// <summary>Creates, migrates and seeds the benchmark database, and says so.</summary>
    private static async Task<BenchmarkDatabase> PrepareDatabaseAsync(string connection, PluginHealthServer server, TextWriter output, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connection);
        var database = await BenchmarkDatabase.CreateAsync(connection, cancellationToken);
        try
        {
            await database.SeedAsync(server, cancellationToken);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }

        output.WriteLine($"PostgreSQL store: database {database.Name} on {target.Host}:{target.Port} ({database.Migrations} migrations applied, {server.PluginIds.Count} active plugins seeded, pool max {target.MaxPoolSize}); dropped at the end");
        return database;
    }

    /// <summary>The monitor's tick for an interval: a tenth of it, like the defaults (1 s for 10 s).</summary>
    private static TimeSpan Tick(TimeSpan interval) => TimeSpan.FromMilliseconds(Math.Max(50, interval.TotalMilliseconds / 10));

    /// <summary>
    /// <paramref name="requests"/> GETs at most <paramref name="concurrency"/> at a time: all at once, or, with
    /// <paramref name="pacing"/>, in batches of its size one tick apart.
    /// </summary>
    private static async Task<RunResult> RunBaselineAsync(PluginHealthServer server, int requests, int concurrency, (TimeSpan Tick, int Batch)? pacing, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        { Timeout = TimeSpan.FromSeconds(10) };
        var urls = server.PluginIds.Select(server.HealthUrl).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };

        // Warm-up: connections and JIT.
        await Parallel.ForAsync(0, Math.Min(requests, 1000), options, async (i, ct) =>
        {
            using var response = await client.GetAsync(urls[i % urls.Length], ct);
            await response.Content.ReadAsByteArrayAsync(ct);
        });

        var durations = new double[requests];
        var failures = 0;
        async ValueTask GetAsync(int i, CancellationToken ct)
        {
            var sent = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(urls[i % urls.Length], HttpCompletionOption.ResponseHeadersRead, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            durations[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref failures);
            }
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        if (pacing is { } paced)
        {
            using var timer = new PeriodicTimer(paced.Tick, TimeProvider.System);
            for (var sent = 0; sent < requests; sent += paced.Batch)
            {
                await Parallel.ForAsync(sent, Math.Min(requests, sent + paced.Batch), options, GetAsync);
                await timer.WaitForNextTickAsync(cancellationToken);
            }
        }
        else
        {
            await Parallel.ForAsync(0, requests, options, GetAsync);
        }

        var wall = Stopwatch.GetElapsedTime(started);
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return new RunResult(requests, wall, cpuUsed, durations, failures, 0, 0);
    }

    private static async Task<MonitorRun> RunMonitorAsync(PluginHealthServer server, BenchmarkDatabase? database, BenchmarkArguments arguments, CancellationToken cancellationToken)
    {
        var counter = new HealthPollCounter(server.PluginIds);
        var tick = Tick(arguments.Interval);
        var timeout = TimeSpan.FromMilliseconds(Math.Min(2000, arguments.Interval.TotalMilliseconds / 2));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{HealthOptions.SectionName}:Interval"] = arguments.Interval.ToString("c", CultureInfo.InvariantCulture),
            [$"{HealthOptions.SectionName}:Timeout"] = timeout.ToString("c", CultureInfo.InvariantCulture),

            // The same tick-to-interval ratio as the defaults (1 s for 10 s).
            [$"{HealthOptions.SectionName}:Tick"] = tick.ToString("c", CultureInfo.InvariantCulture),
            [$"{HealthOptions.SectionName}:MaxConcurrency"] = arguments.Concurrency.ToString(CultureInfo.InvariantCulture),
        });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        if (database is null)
        {
            builder.Services.AddSingleton<IHealthStore>(new CountingHealthStore(server, counter));
        }
        else
        {
            // The registry's own pieces on the benchmark database, as AddRegistryPersistence and AddRegistryHealth wire
            // them; the outbox is written but no relay publishes it (there is no NATS here).
            builder.Services.AddSingleton(database.DataSource);
            builder.Services.AddSingleton<RegistryDatabase>();
            builder.Services.AddSingleton<OutboxSignal>();
            builder.Services.AddSingleton<EventOutbox>();
            builder.Services.AddSingleton<HealthStore>();
            builder.Services.AddSingleton<IHealthStore>(services => new CountingPostgresHealthStore(services.GetRequiredService<HealthStore>(), counter));
        }

        builder.Services.AddSingleton<IHealthPublisher>(counter);
        builder.Services.AddHealthMonitoring();
        using var host = builder.Build();
        var time = TimeProvider.System;

        await host.StartAsync(cancellationToken);
        var serverCpu = database?.ServerCpu;
        TimeSpan wall, cpuUsed;
        TimeSpan? serverCpuUsed;
        DateTimeOffset windowStart, windowEnd;
        try
        {
            // Warm-up: one interval, in which the first polls are spread and every plugin becomes healthy.
            await Task.Delay(arguments.Interval + TimeSpan.FromSeconds(1), time, cancellationToken);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var serverCpuBefore = serverCpu?.Sample();
            var started = Stopwatch.GetTimestamp();
            windowStart = time.GetUtcNow();
            counter.OpenWindow(windowStart);
            await Task.Delay(arguments.Duration, time, cancellationToken);
            windowEnd = time.GetUtcNow();
            counter.CloseWindow(windowEnd);
            wall = Stopwatch.GetElapsedTime(started);
            cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            serverCpuUsed = serverCpu?.Sample() - serverCpuBefore;

            // Let the polls started inside the window finish (and, with PostgreSQL, commit) before stopping cancels them.
            await Task.Delay(database is null ? timeout : timeout + TimeSpan.FromSeconds(1), time, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        var (polls, durations, min, max) = counter.Measured();
        return new MonitorRun(new RunResult((int)polls, wall, cpuUsed, [.. durations], (int)counter.Failures, min, max), counter, windowStart, windowEnd, serverCpuUsed);
    }

    private static string Ratio(long part, long whole) => whole == 0 ? "n/a" : (part / (double)whole).ToString("0.000", CultureInfo.InvariantCulture);

    private static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    private static void Row(TextWriter output, string name, RunResult result) => output.WriteLine(
        $"| {name,-36} | {result.Requests,8} | {result.Wall.TotalSeconds,7:0.00} | {result.Rate,8:0.0} | {result.CpuMsPerRequest,10:0.000} | {result.Percentile(0.50),7:0.00} | {result.Percentile(0.99),7:0.00} |");

    private static string Format(TimeSpan duration) => duration.TotalMilliseconds % 1000 == 0
        ? $"{duration.TotalSeconds:0}s"
        : $"{duration.TotalMilliseconds:0}ms";

    private sealed record RunResult(int Requests, TimeSpan Wall, TimeSpan Cpu, double[] DurationsMs, int Failures, int MinPerPlugin, int MaxPerPlugin)
    {
        public double Rate => Requests / Wall.TotalSeconds;

        public double CpuMsPerRequest => Cpu.TotalMilliseconds / Math.Max(1, Requests);

        public double Percentile(double p) => HealthPollingBenchmark.Percentile(DurationsMs, p);
    }

    /// <summary>The monitor's run with its counter and measured window (the rows in the database are counted by it).</summary>
    private sealed record MonitorRun(RunResult Result, HealthPollCounter Counter, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, TimeSpan? ServerCpu);
}
