using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Fabrix.Benchmarks.AuditIngest;
using Fabrix.Benchmarks.Gateway;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using EventsClient = Fabrix.Contracts.Events.V1.Events.EventsClient;

namespace Fabrix.Benchmarks.Events;

/// <summary>
/// <c>events-faults</c> (issue 11 section 7, the fault run): publishers and two entitled subscribers run while
/// Core.Events is killed with SIGKILL and started again, then nats-server is killed with SIGKILL and started again (on
/// its file store). Publishers retry a failed publish with the same idempotency key until it succeeds (what
/// Core.Events/README.md asks of a plugin); each subscriber's handler dedupes by event id and acknowledges; a broken
/// <c>Subscribe</c> stream is opened again. The ledger then checks that every publish that returned success reached
/// every subscriber (<c>lost</c>) and that no payload was handled twice after the dedupe by event id
/// (<c>duplicates_after_dedupe</c>: a second event id for the same publish, i.e. a publish stored twice).
/// </summary>
internal static class EventsFaultBenchmark
{
    private const string Publisher = "bench-fault-publisher";
    private static readonly string[] Subscribers = ["bench-fault-subscriber-a", "bench-fault-subscriber-b"];

    public static async Task<int> RunAsync(EventsBenchArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        var natsPort = GatewayPlatform.FreePort();
        var natsUrl = $"nats://127.0.0.1:{natsPort}";
        await using var nats = Nats(arguments, natsPort);
        nats.Start();
        await WaitPortAsync(natsPort, cancellationToken);
        await using var platform = await EventsBenchPlatform.StartAsync(arguments, natsUrl,
            [new BenchPlugin(Publisher, ["UserDeleted"], []), .. Subscribers.Select(s => new BenchPlugin(s, [], ["UserDeleted"]))],
            webhooks: false,
            // An unsettled delivery (its Subscribe stream died with Core.Events) comes again after 3 s, not 30.
            [("Fabrix__Events__Delivery__AckWait", "00:00:03"), ("Fabrix__Events__Delivery__MaxDeliveries", "20")],
            output, cancellationToken);
        using var channel = EventsPublishBenchmark.Channel(platform.EventsGrpc);
        var client = new EventsClient(channel);
        var publisher = EventsBenchPlatform.Bearer(platform.Tokens[Publisher]);
        await EventsPublishBenchmark.WaitPublishableAsync(client, publisher, cancellationToken);
        output.WriteLine($"{Environment.ProcessorCount} cores, load average {BenchSteps.LoadAverage()}; {arguments.Concurrency} publishers, " +
            $"{Subscribers.Length} subscribers, {arguments.Duration.TotalSeconds / 4:0.#} s of publishing before each kill and {arguments.Duration.TotalSeconds / 2:0.#} s after the last restart");

        var ledger = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var views = Subscribers.Select(s => new SubscriberView(s)).ToArray();
        using var stopSubscribers = new CancellationTokenSource();
        var subscriberTasks = views.Select(view => Task.Run(() => SubscribeAsync(client, EventsBenchPlatform.Bearer(platform.Tokens[view.Id]), view,
            stopSubscribers.Token), CancellationToken.None)).ToArray();

        var watch = Stopwatch.StartNew();
        using var stopPublishing = new CancellationTokenSource();
        var stoppedAt = TimeSpan.MaxValue;
        long next = 0;
        long retries = 0;
        long abandoned = 0;
        var publishers = Enumerable.Range(0, arguments.Concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stopPublishing.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                var request = new PublishRequest
                {
                    Data = Any.Pack(EventsPublishBenchmark.UserDeleted(n)),
                    IdempotencyKey = $"fault-{n}",
                };
                while (true)
                {
                    try
                    {
                        var response = await client.PublishAsync(request, publisher, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken);
                        ledger[response.EventId] = n;
                        break;
                    }
                    catch (RpcException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // After publishing stopped, a publish still failing after 30 s is given up (it never returned success).
                        if (stopPublishing.IsCancellationRequested && watch.Elapsed > stoppedAt + TimeSpan.FromSeconds(30))
                        {
                            Interlocked.Increment(ref abandoned);
                            break;
                        }

                        Interlocked.Increment(ref retries);
                        await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                    }
                }
            }
        }, CancellationToken.None)).ToArray();

        // The schedule: a quarter of --duration of publishing before each kill and after the last restart (the restarts
        // themselves take what they take on this machine, so the phases are counted from them, not from the start).
        var phase = arguments.Duration / 4;
        await Task.Delay(phase, cancellationToken);
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:0.0} s kill -9 Core.Events (pid {platform.EventsPid}); {ledger.Count} publishes acknowledged");
        await platform.KillEventsAsync();
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        await platform.StartEventsAsync(cancellationToken);
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:0.0} s Core.Events healthy again (pid {platform.EventsPid}); {ledger.Count} publishes acknowledged");
        await Task.Delay(phase, cancellationToken);
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:0.0} s kill -9 nats-server; {ledger.Count} publishes acknowledged");
        await nats.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        nats.Start();
        await WaitPortAsync(natsPort, cancellationToken);
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:0.0} s nats-server listening again; {ledger.Count} publishes acknowledged");
        await Task.Delay(phase * 2, cancellationToken);
        stoppedAt = watch.Elapsed;
        await stopPublishing.CancelAsync();
        await Task.WhenAll(publishers);
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:0.0} s publishing stopped: {ledger.Count} acknowledged, {retries} retried attempts, {abandoned} abandoned");

        // Drain: wait until every subscriber handled every acknowledged publish (redeliveries come after the ack wait).
        var drain = Stopwatch.StartNew();
        while (drain.Elapsed < TimeSpan.FromSeconds(120) && views.Any(v => ledger.Keys.Any(id => !v.Handled.ContainsKey(id))))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        await stopSubscribers.CancelAsync();
        await Task.WhenAll(subscriberTasks);
        long lost = 0;
        long duplicates = 0;
        foreach (var view in views)
        {
            var missing = ledger.Keys.Count(id => !view.Handled.ContainsKey(id));
            var twice = view.HandledPerPublish.Values.Sum(c => Math.Max(0, c - 1));
            lost += missing;
            duplicates += twice;
            output.WriteLine($"{view.Id}: {view.Deliveries} deliveries, {view.Handled.Count} distinct event ids handled, {missing} acknowledged publishes missing, " +
                $"{twice} publishes handled twice after dedupe, {view.Reconnects} Subscribe streams opened");
            if (missing > 0)
            {
                // Which publishes (numbered in the order the publishers took them) and which events: where they fall
                // against the kills is the first thing a diagnosis needs.
                var first = ledger.Where(pair => !view.Handled.ContainsKey(pair.Key)).OrderBy(pair => pair.Value).Take(20)
                    .Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Value} ({pair.Key})"));
                output.WriteLine($"{view.Id}: missing publishes, first 20 by number: {string.Join(", ", first)}");
            }
        }

        output.WriteLine(new JsonObject
        {
            ["bench"] = "events-faults",
            ["lost"] = lost,
            ["duplicates_after_dedupe"] = duplicates,
            ["acknowledged"] = ledger.Count,
            ["subscribers"] = views.Length,
            ["redeliveries"] = views.Sum(v => v.Deliveries - v.Handled.Count),
            ["publish_retries"] = retries,
            ["drain_s"] = Math.Round(drain.Elapsed.TotalSeconds, 1),
            ["load_average"] = BenchSteps.LoadAverage(),
        }.ToJsonString());
        return lost == 0 && duplicates == 0 ? 0 : 1;
    }

    /// <summary>What one subscriber's handler saw.</summary>
    private sealed class SubscriberView(string id)
    {
        private long _deliveries;
        private long _reconnects;

        public string Id => id;

        /// <summary>Event ids handled (the dedupe set).</summary>
        public ConcurrentDictionary<string, long> Handled { get; } = new(StringComparer.Ordinal);

        /// <summary>Per publish (its payload number): how many distinct event ids were handled for it.</summary>
        public ConcurrentDictionary<long, int> HandledPerPublish { get; } = new();

        public long Deliveries => Interlocked.Read(ref _deliveries);

        public long Reconnects => Interlocked.Read(ref _reconnects);

        public void Delivered() => Interlocked.Increment(ref _deliveries);

        public void Opened() => Interlocked.Increment(ref _reconnects);
    }

    /// <summary>A subscriber: opens <c>Subscribe</c>, handles each delivery once per event id, acknowledges; opens it again when it breaks.</summary>
    private static async Task SubscribeAsync(EventsClient client, Metadata token, SubscriberView view, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var call = client.Subscribe(token, cancellationToken: stop);
                await call.RequestStream.WriteAsync(new SubscribeRequest { Open = new OpenSubscription { EventTypes = { "UserDeleted" } } }, stop);
                await call.ResponseHeadersAsync;
                view.Opened();
                await foreach (var delivery in call.ResponseStream.ReadAllAsync(stop))
                {
                    view.Delivered();
                    var id = delivery.Event.Id;
                    var payload = delivery.Event.Data.Unpack<UserDeleted>();
                    if (view.Handled.TryAdd(id, 0) && long.TryParse(payload.UserId.AsSpan("bench-user-".Length), CultureInfo.InvariantCulture, out var n) && n > 0)
                    {
                        view.HandledPerPublish.AddOrUpdate(n, 1, (_, c) => c + 1);
                    }

                    await call.RequestStream.WriteAsync(new SubscribeRequest { Ack = new Settle { EventId = id } }, stop);
                }
            }
            catch (Exception exception) when (exception is RpcException or InvalidOperationException or IOException or OperationCanceledException)
            {
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(300), CancellationToken.None);
            }
        }
    }

    private static ChildProcess Nats(EventsBenchArguments arguments, int port)
    {
        var info = new ProcessStartInfo(arguments.NatsServer);
        foreach (var argument in (string[])["-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", Path.Combine(arguments.WorkFolder, "nats-faults")])
        {
            info.ArgumentList.Add(argument);
        }

        return new ChildProcess("nats", arguments.WorkFolder, info);
    }

    private static async Task WaitPortAsync(int port, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync("127.0.0.1", port, cancellationToken);
                return;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }
    }
}
