using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Fabrix.Benchmarks.Gateway;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Platform;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using EventsClient = Fabrix.Contracts.Events.V1.Events.EventsClient;

namespace Fabrix.Benchmarks.Events;

/// <summary>
/// <c>events-publish</c> (issue 11 section 7): publishes per second through Core.Events (gRPC, the plugin token, the
/// policy check, the envelope, the JetStream publish it waits for, the decision audit) against bare NATS.Net JetStream
/// publishes of the same envelope bytes with the same <c>Nats-Msg-Id</c> handling, to a stream configured like
/// Core.Events' own (file storage, duplicate window), with the same concurrency in the same run. Batched
/// (<c>PublishBatch</c> of <c>--batch</c> events against <c>--batch</c> concurrent bare publishes awaited together) and
/// unbatched (one event per call against one publish at a time per caller). Before those rounds (or after them, with
/// <c>--latency last</c>), the end-to-end latency from the <c>Publish</c> call to a real subscriber's handler over the
/// <c>Subscribe</c> stream, at half the maximum end-to-end rate measured just before (unpaced publishing with the
/// subscriber attached), or at <c>--e2e-rate</c>; right after it, the same latency run over bare JetStream (publish to a
/// pull consumer's handler in this process) at the same rate: the machine's own floor for that rate in the same run.
/// </summary>
internal static class EventsPublishBenchmark
{
    public const string Publisher = "bench-publisher";
    public const string Subscriber = "bench-subscriber";
    private const string BareStream = "BENCH_BARE";
    private const string BarePrefix = "bench.bare";

    public static async Task<int> RunAsync(EventsBenchArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        // Throughput uses UserDeleted, which nobody subscribes to (no backlog builds up for the latency run's subscriber);
        // the latency run uses DocumentProcessed, which the subscriber receives.
        await using var platform = await EventsBenchPlatform.StartAsync(arguments, arguments.NatsUrl,
            [new BenchPlugin(Publisher, ["UserDeleted", "DocumentProcessed"], []), new BenchPlugin(Subscriber, [], ["DocumentProcessed"])],
            webhooks: false, [], output, cancellationToken);
        using var channel = Channel(platform.EventsGrpc);
        var client = new EventsClient(channel);
        var publisher = EventsBenchPlatform.Bearer(platform.Tokens[Publisher]);
        await WaitPublishableAsync(client, publisher, cancellationToken);

        await using var nats = new NatsConnection(NatsOpts.Default with { Url = arguments.NatsUrl, Name = "bench-bare" });
        var jetStream = new NatsJSContext(nats);
        await jetStream.CreateOrUpdateStreamAsync(new StreamConfig(BareStream, [$"{BarePrefix}.*"])
        {
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            MaxAge = TimeSpan.FromDays(7),
            DuplicateWindow = TimeSpan.FromMinutes(2),
            AllowDirect = true,
        }, cancellationToken);

        output.WriteLine($"{Environment.ProcessorCount} cores, load average {BenchSteps.LoadAverage()}; concurrency {arguments.Concurrency}, batch {arguments.Batch}, " +
            $"{arguments.Rounds} round(s) of {arguments.Duration.TotalSeconds:0.#} s per way; latency runs {(arguments.LatencyFirst ? "first" : "last")}, paced {(arguments.PacerThread ? "on a thread" : "on the thread pool")}");
        var ways = new (string Name, Func<int, Func<CancellationToken, Task<(int Stored, string? Error)>>> Step)[]
        {
            ("bare-batch", _ => token => BareAsync(jetStream, arguments.Batch, token)),
            ("fabrix-batch", _ => token => FabrixBatchAsync(client, publisher, arguments.Batch, token)),
            ("bare-single", _ => token => BareAsync(jetStream, 1, token)),
            ("fabrix-single", _ => token => FabrixSingleAsync(client, publisher, token)),
        };
        var rates = ways.ToDictionary(w => w.Name, _ => new List<double>(), StringComparer.Ordinal);
        // Where the CPU goes: Core.Events, the registry (it ingests the decision audit), nats-server, PostgreSQL (the audit
        // chain's rows) and this process (the callers: NATS.Net for the bare ways, gRPC for Core.Events').
        var natsPidFile = Path.Combine(arguments.WorkFolder, "nats-fixed.pid");
        var natsPid = File.Exists(natsPidFile) && int.TryParse(File.ReadAllText(natsPidFile).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : 0;
        await using var database = Npgsql.NpgsqlDataSource.Create(arguments.Connection);
        var postgres = await PostgresServerCpu.LocateAsync(database, cancellationToken);
        var benchPid = Environment.ProcessId;
        (string Name, Func<TimeSpan> Read)[] processes =
        [
            ("events", () => ProcessCpu.Of(platform.EventsPid)),
            ("registry", () => ProcessCpu.Of(platform.RegistryPid)),
            ("nats", () => natsPid == 0 ? TimeSpan.Zero : ProcessCpu.Of(natsPid)),
            ("postgres", () => postgres?.Sample() ?? TimeSpan.Zero),
            ("callers", () => ProcessCpu.Of(benchPid)),
        ];
        TimeSpan[] Cpu() => [.. processes.Select(p => p.Read())];
        // The latency runs (the end-to-end maximum, then the paced Core.Events and bare runs at half of it): after the
        // throughput rounds by default, when nats-server still holds those rounds' message ids in its two-minute duplicate
        // windows (about 1.5 million: a heap of ~300 MB whose Go GC cycles take 200-450 ms and more than a core;
        // benchmarks/README.md, "Measured — seventeenth session"); before them with --latency first (without that heap,
        // and with the services less warm).
        async Task<(double Maximum, double Rate, LatencyResult Latency, LatencyResult Bare)> LatencyAsync()
        {
            var subscriber = EventsBenchPlatform.Bearer(platform.Tokens[Subscriber]);
            var maximum = await EndToEndMaximumAsync(client, publisher, subscriber, arguments, cancellationToken);
            output.WriteLine($"end to end, unpaced: {maximum.Published:0} published /s, {maximum.Delivered:0} delivered /s ({arguments.Concurrency} callers of single publishes, " +
                $"one subscriber); load {BenchSteps.LoadAverage()}");
            var latencyRate = arguments.EndToEndRate ?? Math.Max(1, maximum.Delivered / 2);
            var latency = await EndToEndAsync(client, publisher, subscriber, latencyRate, arguments, processes, cancellationToken);
            if (latency.Count == 0)
            {
                throw new InvalidOperationException("No event of the latency run reached the subscriber (see events.log in the work folder; KEEP_WORK=1 keeps it).");
            }

            output.WriteLine($"end to end at {latencyRate:0} /s ({(arguments.EndToEndRate is null ? "half the maximum end-to-end rate" : "--e2e-rate")}): {latency.Count} delivered, " +
                $"{latency.Refused} refused, p50 {latency.P50:0.00} ms, p99 {latency.P99:0.00} ms, max {latency.Max:0.00} ms " +
                $"(p99 call to Core.Events' stamp {latency.StampP99:0.00} ms, stamp to handler {latency.DeliverP99:0.00} ms; p99 per second {latency.PerSecond} ms; " +
                $"CPU ms per second: {latency.CpuPerSecond}; pacer {latency.Pacer}); " +
                $"load {BenchSteps.LoadAverage()}");

            var bareLatency = await BareEndToEndAsync(jetStream, arguments.NatsUrl, latencyRate, arguments, processes, cancellationToken);
            output.WriteLine($"bare end to end at {latencyRate:0} /s (same rate): {bareLatency.Count} delivered, " +
                $"{(bareLatency.Refused == 0 ? string.Empty : $"{bareLatency.Refused} failed, ")}p50 {bareLatency.P50:0.00} ms, p99 {bareLatency.P99:0.00} ms, " +
                $"max {bareLatency.Max:0.00} ms (p99 per second {bareLatency.PerSecond} ms; CPU ms per second: {bareLatency.CpuPerSecond}; pacer {bareLatency.Pacer}); load {BenchSteps.LoadAverage()}");

            return (maximum.Delivered, latencyRate, latency, bareLatency);
        }

        var measured = arguments.LatencyFirst ? await LatencyAsync() : default;
        if (arguments.Warmup > TimeSpan.Zero)
        {
            foreach (var (name, step) in ways)
            {
                var warm = await LoadAsync(arguments.Concurrency, arguments.Warmup, step(0), cancellationToken);
                output.WriteLine($"warmup {name,-14} {warm.Rate,10:0} /s");
            }
        }

        for (var round = 0; round < arguments.Rounds; round++)
        {
            for (var i = 0; i < ways.Length; i++)
            {
                var (name, step) = ways[(i + round) % ways.Length];
                var before = Cpu();
                var result = await LoadAsync(arguments.Concurrency, arguments.Duration, step(round), cancellationToken);
                var after = Cpu();
                rates[name].Add(result.Rate);
                var cpu = string.Join(", ", processes.Select((p, k) => $"{p.Name} {(after[k] - before[k]).TotalMilliseconds * 1000 / Math.Max(1, result.Stored):0.0} ms"));
                output.WriteLine($"round {round + 1} {name,-14} {result.Rate,10:0} /s  ({result.Stored} stored, {result.Failed} failed{(result.Error is null ? string.Empty : $", first: {result.Error}")}; " +
                    $"CPU per 1000: {cpu}; load {BenchSteps.LoadAverage()})");
            }
        }

        var bare = rates["bare-batch"].Average();
        var fabrix = rates["fabrix-batch"].Average();
        var bareSingle = rates["bare-single"].Average();
        var fabrixSingle = rates["fabrix-single"].Average();
        output.WriteLine($"batched ({arguments.Batch}):  bare {bare:0} /s, Core.Events {fabrix:0} /s, ratio {fabrix / bare:0.00}");
        output.WriteLine($"unbatched:      bare {bareSingle:0} /s, Core.Events {fabrixSingle:0} /s, ratio {fabrixSingle / bareSingle:0.00}");
        if (!arguments.LatencyFirst)
        {
            await SettleAsync(arguments.Settle, natsPid, output, cancellationToken);
            measured = await LatencyAsync();
        }

        var (maximumRate, latencyRate, latency, bareLatency) = measured;

        var summary = new JsonObject
        {
            ["bench"] = "events-publish",
            ["bare_rate"] = Math.Round(bare, 1),
            ["fabrix_rate"] = Math.Round(fabrix, 1),
            ["ratio"] = Math.Round(fabrix / bare, 3),
            ["e2e_p50_ms"] = Math.Round(latency.P50, 2),
            ["e2e_p99_ms"] = Math.Round(latency.P99, 2),
            ["batch_size"] = arguments.Batch,
            ["concurrency"] = arguments.Concurrency,
            ["unbatched_bare_rate"] = Math.Round(bareSingle, 1),
            ["unbatched_fabrix_rate"] = Math.Round(fabrixSingle, 1),
            ["unbatched_ratio"] = Math.Round(fabrixSingle / bareSingle, 3),
            ["e2e_max_rate"] = Math.Round(maximumRate, 1),
            ["e2e_rate"] = Math.Round(latencyRate, 1),
            ["e2e_delivered"] = latency.Count,
            ["e2e_refused"] = latency.Refused,
            ["load_average"] = BenchSteps.LoadAverage(),
            ["bare_e2e_p50_ms"] = bareLatency.Count == 0 ? null : Math.Round(bareLatency.P50, 2),
            ["bare_e2e_p99_ms"] = bareLatency.Count == 0 ? null : Math.Round(bareLatency.P99, 2),
        };
        output.WriteLine(summary.ToJsonString());
        return 0;
    }

    /// <summary>A gRPC channel over h2c that opens more connections when one's streams run out.</summary>
    public static GrpcChannel Channel(Uri address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true, ActivityHeadersPropagator = null },
        DisposeHttpClient = true,
    });

    /// <summary>Publishes until Core.Events stores one (it holds the policy snapshot and the streams exist).</summary>
    public static async Task WaitPublishableAsync(EventsClient client, Metadata publisher, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        string last = string.Empty;
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                await client.PublishAsync(new PublishRequest { Data = Any.Pack(UserDeleted(0)) }, publisher, cancellationToken: cancellationToken);
                return;
            }
            catch (RpcException exception) when (exception.StatusCode is StatusCode.Unavailable or StatusCode.PermissionDenied or StatusCode.ResourceExhausted
                or StatusCode.Unauthenticated or StatusCode.DeadlineExceeded)
            {
                last = $"{exception.StatusCode}: {exception.Status.Detail}";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        throw new TimeoutException($"Core.Events did not accept a publish within 60 s (last: {last}).");
    }

    /// <summary>The throughput payload: about 250 bytes of protobuf.</summary>
    public static UserDeleted UserDeleted(long n) => new()
    {
        UserId = $"bench-user-{n:D10}",
        DeletedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        Reason = "benchmark: the account was closed at the user's request after the retention period; this text pads the event to a realistic size for a canonical event payload of the lane.",
    };

    private static long _sequence;

    /// <summary>The envelope Core.Events stores for <paramref name="message"/>, stamped the same way (bare way).</summary>
    private static (CanonicalEvent Envelope, string Subject) Envelope(IMessage message, string type, string classification)
    {
        var now = DateTimeOffset.UtcNow;
        return (new CanonicalEvent
        {
            Id = Uuids.NewVersion7(now).ToString(),
            Source = $"fabrix://plugins/{Publisher}",
            SpecVersion = CloudEventJson.SpecVersion,
            Type = $"fabrix.canonical.v1.{type}",
            Time = Timestamp.FromDateTimeOffset(now),
            Datacontenttype = "application/protobuf",
            Dataclassification = classification,
            Data = Any.Pack(message),
        }, $"{BarePrefix}.{type}");
    }

    /// <summary>
    /// <c>--settle</c>: waits before the latency runs, printing every 30 s what nats-server did meanwhile (its CPU and
    /// resident memory), so the wait shows whether its collector was still working through the rounds' duplicate windows.
    /// </summary>
    private static async Task SettleAsync(TimeSpan settle, int natsPid, TextWriter output, CancellationToken cancellationToken)
    {
        var step = TimeSpan.FromSeconds(30);
        for (var waited = TimeSpan.Zero; waited < settle;)
        {
            var wait = settle - waited < step ? settle - waited : step;
            var before = natsPid == 0 ? TimeSpan.Zero : ProcessCpu.Of(natsPid);
            await Task.Delay(wait, cancellationToken);
            waited += wait;
            var nats = natsPid == 0 ? "nats-server not watched"
                : $"nats-server {(ProcessCpu.Of(natsPid) - before).TotalMilliseconds:0} ms CPU in it, {ResidentMegabytes(natsPid):0} MB resident";
            output.WriteLine($"settling: {waited.TotalSeconds:0} s of {settle.TotalSeconds:0} s ({nats}); load {BenchSteps.LoadAverage()}");
        }
    }

    private static double ResidentMegabytes(int pid)
    {
        using var process = System.Diagnostics.Process.GetProcessById(pid);
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    private static async Task<(int, string?)> BareAsync(NatsJSContext jetStream, int count, CancellationToken cancellationToken)
    {
        var publishes = new Task<PubAckResponse>[count];
        for (var i = 0; i < count; i++)
        {
            var (envelope, subject) = Envelope(UserDeleted(Interlocked.Increment(ref _sequence)), "UserDeleted", "internal");
            publishes[i] = jetStream.PublishAsync(subject, envelope.ToByteArray(), opts: new NatsJSPubOpts { MsgId = envelope.Id },
                cancellationToken: cancellationToken).AsTask();
        }

        var stored = 0;
        string? error = null;
        foreach (var publish in publishes)
        {
            try
            {
                var ack = await publish;
                if (ack.Error is null)
                {
                    stored++;
                }
                else
                {
                    error ??= ack.Error.Description;
                }
            }
            catch (Exception exception) when (exception is NatsException or NatsJSException)
            {
                error ??= exception.Message;
            }
        }

        return (stored, error);
    }

    private static async Task<(int, string?)> FabrixBatchAsync(EventsClient client, Metadata publisher, int count, CancellationToken cancellationToken)
    {
        var request = new PublishBatchRequest();
        for (var i = 0; i < count; i++)
        {
            request.Events.Add(new PublishRequest { Data = Any.Pack(UserDeleted(Interlocked.Increment(ref _sequence))) });
        }

        var response = await client.PublishBatchAsync(request, publisher, cancellationToken: cancellationToken);
        var stored = response.Results.Count(r => r.Stored is not null);
        return (stored, response.Results.FirstOrDefault(r => r.Stored is null) is { } refused ? $"{refused.RefusalCode}: {refused.Message}" : null);
    }

    private static async Task<(int, string?)> FabrixSingleAsync(EventsClient client, Metadata publisher, CancellationToken cancellationToken)
    {
        await client.PublishAsync(new PublishRequest { Data = Any.Pack(UserDeleted(Interlocked.Increment(ref _sequence))) }, publisher,
            cancellationToken: cancellationToken);
        return (1, null);
    }

    private sealed record LoadResult(long Stored, long Failed, double Rate, string? Error);

    /// <summary><paramref name="concurrency"/> callers, each sending its next step when the last one answered, for <paramref name="duration"/>.</summary>
    private static async Task<LoadResult> LoadAsync(int concurrency, TimeSpan duration, Func<CancellationToken, Task<(int Stored, string? Error)>> step,
        CancellationToken cancellationToken)
    {
        long stored = 0;
        long failed = 0;
        string? firstError = null;
        var watch = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (watch.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var (count, error) = await step(cancellationToken);
                    Interlocked.Add(ref stored, count);
                    if (error is not null)
                    {
                        Interlocked.Increment(ref failed);
                        Interlocked.CompareExchange(ref firstError, error, null);
                    }
                }
                catch (RpcException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, $"{exception.StatusCode}: {exception.Status.Detail}", null);
                }
            }
        }, CancellationToken.None));
        await Task.WhenAll(callers);
        cancellationToken.ThrowIfCancellationRequested();
        var seconds = watch.Elapsed.TotalSeconds;
        return new LoadResult(stored, failed, stored / seconds, firstError);
    }

    /// <summary>
    /// The latency run's percentiles, and the same split where Core.Events stamps the envelope's time (wall clock, same
    /// host): <see cref="StampP99"/> from just before the call to the stamp (token, policy, payload check), and
    /// <see cref="DeliverP99"/> from the stamp to the handler (JetStream store and acknowledgement, the consumer, the
    /// delivery decision and its audit, the subscription stream). <see cref="Refused"/>: publishes refused by Core.Events,
    /// or, for the bare way, JetStream publishes that failed (neither is delivered).
    /// </summary>
    private sealed record LatencyResult(int Count, double P50, double P99, double Max, long Refused, double StampP99 = 0, double DeliverP99 = 0)
    {
        /// <summary>The p99 of each second of the window (<see cref="PacedLatencyRun.P99PerSecond"/>).</summary>
        public double[] P99PerSecond { get; init; } = [];

        public string PerSecond => string.Join(" / ", P99PerSecond.Select(p => p.ToString("0.0", CultureInfo.InvariantCulture)));

        /// <summary>How regular the pacer's checks were (<see cref="PacedLatencyRun.Gaps"/>).</summary>
        public string Pacer { get; init; } = string.Empty;

        /// <summary>The CPU each process used in each second of the window (<see cref="PacedLatencyRun.CpuPerSecond"/>).</summary>
        public string CpuPerSecond { get; init; } = string.Empty;
    }

    private const string MaximumPrefix = "max-";

    /// <summary>
    /// The maximum end-to-end rate: <c>--concurrency</c> callers of single <c>Publish</c> calls, unpaced, while the
    /// subscriber holds a <c>Subscribe</c> stream and acknowledges each delivery; after <c>--warmup</c>, deliveries per
    /// second over <c>--duration</c> (what the whole path sustains: publish, store, deliver, ack, and both audits). Then
    /// it waits (up to 60 s) until the subscriber has every event, so no backlog is in front of the latency run.
    /// </summary>
    private static async Task<(double Published, double Delivered)> EndToEndMaximumAsync(EventsClient client, Metadata publisher, Metadata subscriber,
        EventsBenchArguments arguments, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = client.Subscribe(subscriber, cancellationToken: stop.Token);
        await call.RequestStream.WriteAsync(new SubscribeRequest { Open = new OpenSubscription { EventTypes = { "DocumentProcessed" } } }, cancellationToken);
        await call.ResponseHeadersAsync;
        await using var acks = new AckWriter(call.RequestStream);
        long delivered = 0;
        var handler = Task.Run(async () =>
        {
            try
            {
                await foreach (var delivery in call.ResponseStream.ReadAllAsync(stop.Token))
                {
                    if (delivery.Attempt == 1 && delivery.Event.Data.Unpack<DocumentProcessed>().DocumentId.StartsWith(MaximumPrefix, StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref delivered);
                    }

                    acks.Ack(delivery.Event.Id);
                }
            }
            catch (RpcException) when (stop.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }, CancellationToken.None);

        long published = 0;
        async Task<(int, string?)> PublishOneAsync(CancellationToken token)
        {
            await client.PublishAsync(new PublishRequest { Data = Any.Pack(Document($"{MaximumPrefix}{Interlocked.Increment(ref _sequence)}")) }, publisher,
                cancellationToken: token);
            Interlocked.Increment(ref published);
            return (1, null);
        }

        if (arguments.Warmup > TimeSpan.Zero)
        {
            await LoadAsync(arguments.Concurrency, arguments.Warmup, PublishOneAsync, cancellationToken);
        }

        var deliveredBefore = Interlocked.Read(ref delivered);
        var watch = Stopwatch.StartNew();
        var load = await LoadAsync(arguments.Concurrency, arguments.Duration, PublishOneAsync, cancellationToken);
        var rate = (Interlocked.Read(ref delivered) - deliveredBefore) / watch.Elapsed.TotalSeconds;

        var drain = Stopwatch.StartNew();
        while (Interlocked.Read(ref delivered) < Interlocked.Read(ref published) && drain.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }

        await stop.CancelAsync();
        await handler;
        return (load.Rate, rate);
    }

    private static DocumentProcessed Document(string id) => new()
    {
        DocumentId = id,
        DocumentType = "invoice",
        Outcome = "SUCCEEDED",
        PageCount = 3,
        ResultPath = "/documents/result",
        ProcessedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    };

    /// <summary>
    /// Single publishes paced at <paramref name="rate"/> per second (warm-up, then the measured window) while a subscriber
    /// holds a <c>Subscribe</c> stream and acknowledges each delivery; the latency is from just before the
    /// <c>Publish</c> call to the delivery's arrival in the handler (one process, one monotonic clock).
    /// </summary>
    private static async Task<LatencyResult> EndToEndAsync(EventsClient client, Metadata publisher, Metadata subscriber, double rate, EventsBenchArguments arguments,
        (string Name, Func<TimeSpan> Read)[] processes, CancellationToken cancellationToken)
    {
        var run = new PacedLatencyRun(rate, arguments.Warmup, arguments.Duration, processes) { PacerThread = arguments.PacerThread };
        var wallStarts = new long[run.Total];
        var stamped = new List<double>((int)run.Total);
        var delivered = new List<double>((int)run.Total);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = client.Subscribe(subscriber, cancellationToken: stop.Token);
        await call.RequestStream.WriteAsync(new SubscribeRequest { Open = new OpenSubscription { EventTypes = { "DocumentProcessed" } } }, cancellationToken);
        await call.ResponseHeadersAsync;
        await using var acks = new AckWriter(call.RequestStream);
        var handler = Task.Run(async () =>
        {
            try
            {
                await foreach (var delivery in call.ResponseStream.ReadAllAsync(stop.Token))
                {
                    var arrived = Stopwatch.GetTimestamp();
                    var arrivedWall = DateTime.UtcNow.Ticks;
                    var document = delivery.Event.Data.Unpack<DocumentProcessed>();
                    if (delivery.Attempt == 1 && long.TryParse(document.DocumentId, CultureInfo.InvariantCulture, out var n) && run.Contains(n)
                        && run.Arrived(n, arrived))
                    {
                        var stamp = delivery.Event.Time.ToDateTime().Ticks;
                        lock (stamped)
                        {
                            stamped.Add(TimeSpan.FromTicks(stamp - Volatile.Read(ref wallStarts[n])).TotalMilliseconds);
                            delivered.Add(TimeSpan.FromTicks(arrivedWall - stamp).TotalMilliseconds);
                        }
                    }

                    acks.Ack(delivery.Event.Id);
                }
            }
            catch (RpcException) when (stop.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }, CancellationToken.None);

        long refused = 0;
        await run.PublishAsync(n =>
        {
            Volatile.Write(ref wallStarts[n], DateTime.UtcNow.Ticks);
            return PublishDocumentAsync(client, publisher, new PublishRequest { Data = Any.Pack(Document(n.ToString(CultureInfo.InvariantCulture))) },
                () => Interlocked.Increment(ref refused), cancellationToken);
        }, cancellationToken);

        // A refused publish is never delivered: stop waiting for it.
        var sorted = await run.FinishAsync(Interlocked.Read(ref refused), stop, handler, cancellationToken);
        double[] stampSorted, deliverSorted;
        lock (stamped)
        {
            stampSorted = [.. stamped.Order()];
            deliverSorted = [.. delivered.Order()];
        }

        return sorted.Length == 0
            ? new LatencyResult(0, 0, 0, 0, refused)
            : new LatencyResult(sorted.Length, PacedLatencyRun.Percentile(sorted, 0.50), PacedLatencyRun.Percentile(sorted, 0.99), sorted[^1], refused,
                PacedLatencyRun.Percentile(stampSorted, 0.99), PacedLatencyRun.Percentile(deliverSorted, 0.99)) { P99PerSecond = run.P99PerSecond(), CpuPerSecond = run.CpuPerSecond(), Pacer = run.Gaps() };
    }

    private const string BareConsumer = "bench-bare-e2e";

    /// <summary>
    /// The machine's own floor for the latency run, in the same run: bare NATS.Net JetStream publishes of the envelope
    /// Core.Events would store for the same <c>DocumentProcessed</c> (same <c>Nats-Msg-Id</c> handling), paced at
    /// <paramref name="rate"/> for the same warm-up and duration, to <c>BENCH_BARE</c>; a durable pull consumer on it
    /// (configured like Core.Events' subscription consumers with their default options) is consumed in this process over
    /// a connection of its own, and the handler acknowledges each message. The latency is from just before the publish
    /// to the message's arrival in the handler (one monotonic clock). No token, policy, payload check, audit or gRPC: what
    /// nats-server and NATS.Net alone give at that rate on this machine right now.
    /// </summary>
    private static async Task<LatencyResult> BareEndToEndAsync(NatsJSContext jetStream, string natsUrl, double rate, EventsBenchArguments arguments,
        (string Name, Func<TimeSpan> Read)[] processes, CancellationToken cancellationToken)
    {
        var run = new PacedLatencyRun(rate, arguments.Warmup, arguments.Duration, processes) { PacerThread = arguments.PacerThread };
        await using var subscriberConnection = new NatsConnection(NatsOpts.Default with { Url = natsUrl, Name = "bench-bare-subscriber" });
        // Core.Events' DeliveryOptions defaults: AckWait 30 s, MaxDeliveries 5 (+ the first), MaxInFlight 256, which
        // SubscriptionPump also pulls at a time (Core.Events/Delivery/SubscriptionConsumers.cs, SubscriptionPump.cs).
        const int maxInFlight = 256;
        var consumer = await new NatsJSContext(subscriberConnection).CreateOrUpdateConsumerAsync(BareStream, new ConsumerConfig(BareConsumer)
        {
            FilterSubject = $"{BarePrefix}.DocumentProcessed",
            DeliverPolicy = ConsumerConfigDeliverPolicy.New,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = TimeSpan.FromSeconds(30),
            MaxDeliver = 6,
            MaxAckPending = maxInFlight,
        }, cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var handler = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = maxInFlight }, cancellationToken: stop.Token))
                {
                    var arrived = Stopwatch.GetTimestamp();
                    var document = CanonicalEvent.Parser.ParseFrom(message.Data ?? []).Data.Unpack<DocumentProcessed>();
                    if (message.Metadata?.NumDelivered == 1 && long.TryParse(document.DocumentId, CultureInfo.InvariantCulture, out var n) && run.Contains(n))
                    {
                        run.Arrived(n, arrived);
                    }

                    await message.AckAsync(cancellationToken: stop.Token);
                }
            }
            catch (Exception exception) when (stop.IsCancellationRequested && exception is OperationCanceledException or NatsException)
            {
            }
        }, CancellationToken.None);

        long failed = 0;
        await run.PublishAsync(async n =>
        {
            var (envelope, subject) = Envelope(Document(n.ToString(CultureInfo.InvariantCulture)), "DocumentProcessed", "confidential");
            try
            {
                var ack = await jetStream.PublishAsync(subject, envelope.ToByteArray(), opts: new NatsJSPubOpts { MsgId = envelope.Id },
                    cancellationToken: cancellationToken);
                if (ack.Error is not null)
                {
                    Interlocked.Increment(ref failed);
                }
            }
            catch (Exception exception) when (exception is NatsException or NatsJSException)
            {
                Interlocked.Increment(ref failed);
            }
        }, cancellationToken);

        // A failed publish is never delivered: stop waiting for it.
        var sorted = await run.FinishAsync(Interlocked.Read(ref failed), stop, handler, cancellationToken);
        return sorted.Length == 0
            ? new LatencyResult(0, 0, 0, 0, failed)
            : new LatencyResult(sorted.Length, PacedLatencyRun.Percentile(sorted, 0.50), PacedLatencyRun.Percentile(sorted, 0.99), sorted[^1], failed)
                { P99PerSecond = run.P99PerSecond(), CpuPerSecond = run.CpuPerSecond(), Pacer = run.Gaps() };
    }

    /// <summary>One paced publish; a refusal (e.g. back-pressure when the machine cannot keep the rate) is counted, not thrown.</summary>
    private static async Task PublishDocumentAsync(EventsClient client, Metadata publisher, PublishRequest request, Action refused, CancellationToken cancellationToken)
    {
        try
        {
            await client.PublishAsync(request, publisher, cancellationToken: cancellationToken);
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            refused();
        }
    }
}
