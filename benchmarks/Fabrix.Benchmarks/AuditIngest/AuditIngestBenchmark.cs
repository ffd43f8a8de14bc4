using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Core.Lanes.Audit;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Npgsql;

namespace Fabrix.Benchmarks.AuditIngest;

/// <summary>
/// Decision audit at lane rates (issue 9 section 4). A lane (this process: the real <see cref="DecisionAuditWriter"/>
/// and its JetStream publisher) writes decisions as fast as the writer accepts them; the real registry, in its own
/// process, appends them to the audit chain in batches. Measured:
/// <list type="number">
/// <item>the sustained rate of decisions committed to the chain in a steady window, and the time from the lane's write to
/// the commit (PostgreSQL's commit timestamps, <c>track_commit_timestamp</c>) as p50/p99;</item>
/// <item>a chaos window: kill -9 of the registry, restart, later kill -9 of nats-server, restart, the lane writing all
/// along; then the ledger: every decision the writer accepted (every one of them acknowledged by JetStream once the
/// writer drained) must be in the chain exactly once;</item>
/// <item>the baseline, in the same run: the steady window's rows inserted again, plain, in batches of the same size (one
/// multi-row INSERT and one commit each) into an unchained table.</item>
/// </list>
/// </summary>
internal static class AuditIngestBenchmark
{
    private const string LaneRows = "select count(*) from audit_log where lane is not null";
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(AuditIngestArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        var database = $"fabrix_bench_audit_{RandomNumberGenerator.GetHexString(12, lowercase: true)}";
        await ExecuteAsync(arguments.Connection, $"create database \"{database}\"", cancellationToken);
        var connection = new NpgsqlConnectionStringBuilder(arguments.Connection) { Database = database }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connection);
        var natsPort = FreePort();
        var natsUrl = $"nats://127.0.0.1:{natsPort}";
        await using var nats = Nats(arguments, natsPort);
        await using var registry = Registry(arguments, connection, natsUrl);
        try
        {
            nats.Start();
            await WaitForPortAsync(natsPort, cancellationToken);
            registry.Start();
            await WaitForConsumerAsync(natsUrl, cancellationToken);
            var commitTimestamps = await ScalarAsync<string>(dataSource, "show track_commit_timestamp", cancellationToken) == "on";
            output.WriteLine($"database {database}, nats-server {natsUrl}, registry pid file {arguments.WorkFolder}/registry.pid; {Environment.ProcessorCount} cores; " +
                $"batch size {arguments.BatchSize}, {arguments.Producers} producers offering {(arguments.Rate > 0 ? $"{arguments.Rate} /s" : "all they can")}, buffer {arguments.BufferCapacity}");

            using var lane = await StartLaneAsync(natsUrl, arguments, cancellationToken);
            var writer = lane.Services.GetRequiredService<DecisionAuditWriter>();
            var metrics = lane.Services.GetRequiredService<DecisionAuditMetrics>();
            await using var load = new DecisionLoad(writer, arguments.Producers, arguments.Rate);
            load.Start();

            // Steady window, after warm-up.
            await Task.Delay(WarmUp, cancellationToken);
            var windowStart = DateTimeOffset.UtcNow;
            var rowsBefore = await ScalarAsync<long>(dataSource, LaneRows, cancellationToken);
            var clock = Stopwatch.StartNew();
            await Task.Delay(arguments.Duration, cancellationToken);
            var rowsAfter = await ScalarAsync<long>(dataSource, LaneRows, cancellationToken);
            var elapsed = clock.Elapsed;
            var windowEnd = DateTimeOffset.UtcNow;
            var rate = (rowsAfter - rowsBefore) / elapsed.TotalSeconds;
            output.WriteLine($"steady window: {rowsAfter - rowsBefore} decisions committed in {elapsed.TotalSeconds:0.0} s = {rate:0} /s " +
                $"(lane writes accepted {load.Accepted}, refused while the buffer was full {load.Refused})");

            // Chaos: the registry, then nats-server, killed mid-run and started again while the lane keeps writing.
            var quarter = arguments.Chaos / 4;
            await Task.Delay(quarter, cancellationToken);
            await registry.KillAsync();
            output.WriteLine($"kill -9 registry at {DateTimeOffset.UtcNow:HH:mm:ss.fff} ({await ScalarAsync<long>(dataSource, LaneRows, cancellationToken)} rows)");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            registry.Start();
            await Task.Delay(quarter, cancellationToken);
            await nats.KillAsync();
            output.WriteLine($"kill -9 nats-server at {DateTimeOffset.UtcNow:HH:mm:ss.fff} ({await ScalarAsync<long>(dataSource, LaneRows, cancellationToken)} rows)");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            nats.Start();
            await WaitForPortAsync(natsPort, cancellationToken);
            await Task.Delay(arguments.Chaos - quarter - quarter - TimeSpan.FromSeconds(2), cancellationToken);
            await load.StopAsync();

            // Drain: the writer publishes what it holds, the registry appends what the stream holds.
            var drain = Stopwatch.StartNew();
            while (metrics.PublishedTotal < load.Accepted && drain.Elapsed < DrainTimeout)
            {
                await Task.Delay(200, cancellationToken);
            }

            var published = metrics.PublishedTotal;
            long rows;
            while ((rows = await ScalarAsync<long>(dataSource, LaneRows, cancellationToken)) < published && drain.Elapsed < DrainTimeout)
            {
                await Task.Delay(200, cancellationToken);
            }

            // Redeliveries after the kills may still be on their way (AckWait): a short settle so a late double would show.
            await Task.Delay(TimeSpan.FromSeconds(6), cancellationToken);
            output.WriteLine($"drained in {drain.Elapsed.TotalSeconds:0.0} s: writer accepted {load.Accepted}, JetStream acknowledged {published}, " +
                $"publish failures retried {metrics.PublishFailuresTotal}");

            var ledger = await LedgerAsync(dataSource, load, cancellationToken);
            var links = await ScalarAsync<long>(dataSource,
                "select count(*) from audit_log a join audit_log p on p.id = a.id - 1 where a.prev_hash <> p.hash", cancellationToken);
            output.WriteLine($"ledger: {ledger.Chained} lane rows for {load.Accepted} accepted decisions; lost {ledger.Lost}, doubled {ledger.Doubled}; broken links {links}");

            var (p50, p99, batches) = commitTimestamps
                ? await LatencyAsync(dataSource, windowStart, windowEnd, cancellationToken)
                : (-1, -1, -1);
            output.WriteLine(commitTimestamps
                ? $"write -> committed in the steady window: p50 {p50:0.0} ms, p99 {p99:0.0} ms; mean batch {batches:0} rows per transaction"
                : "write -> committed: not measured (track_commit_timestamp is off on this server)");

            var baseline = await PlainInsertBaseline.RunAsync(dataSource, windowStart, windowEnd, arguments.BatchSize, cancellationToken);
            output.WriteLine($"baseline: {baseline.Rows} of the same rows, plain INSERT in batches of {arguments.BatchSize} into an unchained table: " +
                $"{baseline.Elapsed.TotalSeconds:0.00} s = {baseline.Rate:0} /s");

            var ratio = baseline.Rate > 0 ? rate / baseline.Rate : 0;
            var goal = rate >= 5000 && ratio >= 0.5 && ledger.Lost == 0 && ledger.Doubled == 0 && links == 0;
            output.WriteLine($"rate / baseline = {rate:0} / {baseline.Rate:0} = {ratio:0.00}; goal (>= 5000 /s, >= 0.5x, lost 0, doubled 0): {(goal ? "met" : "MISSED")}");
            BenchmarkSummary.Write(output, new AuditIngestSummary("audit-ingest", Math.Round(rate), Math.Round(baseline.Rate), Math.Round(ratio, 2),
                Math.Round(p99, 1), ledger.Lost, ledger.Doubled + links)
            {
                BatchSize = arguments.BatchSize,
                Records = load.Accepted,
                RegistryKills = registry.Kills,
                NatsKills = nats.Kills,
                Refused = load.Refused,
                P50Ms = Math.Round(p50, 1),
                Goal = goal,
            });
            return goal ? 0 : 1;
        }
        finally
        {
            await registry.DisposeAsync();
            await nats.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(arguments.Connection, $"drop database if exists \"{database}\" with (force)", CancellationToken.None);
        }
    }

    private static ChildProcess Nats(AuditIngestArguments arguments, int port)
    {
        var info = new ProcessStartInfo(arguments.NatsServer);
        foreach (var argument in (string[])["-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", Path.Combine(arguments.WorkFolder, "nats")])
        {
            info.ArgumentList.Add(argument);
        }

        return new ChildProcess("nats", arguments.WorkFolder, info);
    }

    private static ChildProcess Registry(AuditIngestArguments arguments, string connection, string natsUrl)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(arguments.Registry))! };
        info.ArgumentList.Add(Path.GetFullPath(arguments.Registry));
        foreach (var (key, value) in (ReadOnlySpan<(string, string)>)[
            ("ASPNETCORE_ENVIRONMENT", "Production"),
            ("ASPNETCORE_URLS", $"http://127.0.0.1:{FreePort()}"),
            ("ConnectionStrings__registry", connection),
            ("ConnectionStrings__nats", natsUrl),
            ("Fabrix__Registry__KeyRingPath", Path.Combine(arguments.WorkFolder, "keyring")),
            ("Fabrix__Registry__Health__Enabled", "false"),
            ("Fabrix__Registry__Audit__Ingest__BatchSize", arguments.BatchSize.ToString(CultureInfo.InvariantCulture)),
            // Records delivered to the killed registry come back after this.
            ("Fabrix__Registry__Audit__Ingest__AckWait", "00:00:05"),
            ("Logging__LogLevel__Default", "Warning"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")])
        {
            info.Environment[key] = value;
        }

        return new ChildProcess("registry", arguments.WorkFolder, info);
    }

    private static async Task<IHost> StartLaneAsync(string natsUrl, AuditIngestArguments arguments, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{DecisionAuditOptions.SectionName}:BufferCapacity"] = arguments.BufferCapacity.ToString(CultureInfo.InvariantCulture),
            [$"{DecisionAuditOptions.SectionName}:PublishConcurrency"] = "256",
            [$"{DecisionAuditOptions.SectionName}:Service"] = "bench-lane",
        });
        builder.Services.AddLogging(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Error));
        builder.Services.AddSingleton<INatsConnection>(new NatsConnection(new NatsOpts { Url = natsUrl, Name = "bench-lane" }));
        builder.AddDecisionAudit();
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    private static async Task WaitForConsumerAsync(string natsUrl, CancellationToken cancellationToken)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = natsUrl });
        var js = new NatsJSContext(connection);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await js.GetConsumerAsync("FABRIX_LANE_DECISIONS", "registry-audit-ingest", cancellationToken);
                return;
            }
            catch (NatsJSApiException) when (deadline.Elapsed < TimeSpan.FromSeconds(90))
            {
                await Task.Delay(250, cancellationToken);
            }
        }
    }

    private static async Task WaitForPortAsync(int port, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    private static async Task<(long Chained, long Lost, long Doubled)> LedgerAsync(NpgsqlDataSource dataSource, DecisionLoad load, CancellationToken cancellationToken)
    {
        // Counted by correlation id (unique per accepted write) and by record id in the hashed details, so a double would
        // show even if the unique index were missing.
        var chained = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand("select correlation_id, count(*)::int from audit_log where lane is not null group by correlation_id"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                chained[reader.GetString(0)] = reader.GetInt32(1);
            }
        }

        var lost = load.AcceptedIds.Count(id => !chained.ContainsKey(id));
        var doubled = chained.Values.Sum(count => (long)count - 1)
            + await ScalarAsync<long>(dataSource, "select count(*) - count(distinct details->>'record_id') from audit_log where lane is not null", cancellationToken);
        return (chained.Values.Sum(c => (long)c), lost, doubled);
    }

    private static async Task<(double P50, double P99, double MeanBatch)> LatencyAsync(NpgsqlDataSource dataSource, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select percentile_cont(0.5) within group (order by ms), percentile_cont(0.99) within group (order by ms),
                   count(*)::float8 / greatest(count(distinct tx), 1)
            from (select extract(epoch from pg_xact_commit_timestamp(xmin) - at) * 1000 as ms, xmin::text as tx
                  from audit_log where lane is not null and at >= @from and at < @to) as t
            """);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.IsDBNull(0) ? -1 : reader.GetDouble(0), reader.IsDBNull(1) ? -1 : reader.GetDouble(1), reader.IsDBNull(2) ? -1 : reader.GetDouble(2));
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(string connection, string sql, CancellationToken cancellationToken)
    {
        await using var server = new NpgsqlConnection(connection);
        await server.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, server);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Lane callers: each writes decisions (a unique correlation id each) at its share of the offered rate (or as fast as
/// the writer accepts them); a write the full buffer refuses (fail closed) is counted and retried after a millisecond,
/// as a refused client would retry.
/// </summary>
internal sealed class DecisionLoad(DecisionAuditWriter writer, int producers, int rate) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<List<string>> _accepted = [];
    private Task[] _tasks = [];
    private long _acceptedCount;
    private long _refused;

    public long Accepted => Interlocked.Read(ref _acceptedCount);

    public long Refused => Interlocked.Read(ref _refused);

    public IEnumerable<string> AcceptedIds => _accepted.SelectMany(ids => ids);

    public void Start() => _tasks = Enumerable.Range(0, producers).Select(p => Task.Run(() => ProduceAsync(p, _stop.Token))).ToArray();

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_tasks);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task ProduceAsync(int producer, CancellationToken stop)
    {
        var ids = new List<string>(1 << 16);
        _accepted.Add(ids);
        var lanes = (Lane[])[Lane.Operator, Lane.Canonical, Lane.Proxy];
        var perSecond = rate / (double)producers;
        var clock = Stopwatch.StartNew();
        for (long n = 0; !stop.IsCancellationRequested; n++)
        {
            while (perSecond > 0 && n > clock.Elapsed.TotalSeconds * perSecond && !stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(1, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var correlation = $"{producer}-{n}";
            var decision = new LaneDecision($"bench-plugin-{n % 50}", lanes[n % 3], $"target-{n % 200}/path", "forward", Allowed: n % 10 != 0,
                n % 10 == 0 ? "not_a_dependency" : string.Empty, correlation, Traceparent: null, Bytes: n % 4096, Duration: TimeSpan.FromMicroseconds(n % 5000));
            while (writer.Write(decision) == DecisionAuditResult.Refused)
            {
                Interlocked.Increment(ref _refused);
                try
                {
                    await Task.Delay(1, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            ids.Add(correlation);
            Interlocked.Increment(ref _acceptedCount);
            if ((n & 127) == 0)
            {
                await Task.Yield();
            }
        }
    }
}
