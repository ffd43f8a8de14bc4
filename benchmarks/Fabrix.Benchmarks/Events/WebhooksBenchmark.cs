using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Fabrix.Benchmarks.Gateway;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Platform;
using Fabrix.Contracts.Webhooks;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using EventsClient = Fabrix.Contracts.Events.V1.Events.EventsClient;

namespace Fabrix.Benchmarks.Events;

/// <summary>
/// <c>webhooks</c> (issue 11 section 7): deliveries per second from Core.Events to a local receiver (one endpoint for
/// UserDeleted, added through the registry's WebhooksAdmin) against a bare <see cref="HttpClient"/> POST loop to the same
/// receiver with the same CloudEvents JSON body and the same Standard Webhooks signing (<see cref="WebhookSignature"/>,
/// the endpoint's own secret): one POST at a time; a second bare way with 8 concurrent loops shows what concurrency per
/// endpoint gives (Core.Events makes up to <c>ParallelAttempts</c>, 8, attempts to one endpoint at a time). Each
/// Core.Events round also prints the CPU per 1,000 deliveries of Core.Events, the registry, nats-server and PostgreSQL.
/// <para>Core.Events' rate is the events published (a burst of <c>PublishBatch</c> calls, far faster than the
/// deliveries) divided by the time from the first publish to the last delivery's arrival.</para>
/// </summary>
internal static class WebhooksBenchmark
{
    private const string Publisher = "bench-webhook-publisher";
    private const int ParallelLoops = 8;

    public static async Task<int> RunAsync(EventsBenchArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        var receiver = new Receiver();
        await using var app = await receiver.StartAsync(cancellationToken);
        await using var platform = await EventsBenchPlatform.StartAsync(arguments, arguments.NatsUrl, [new BenchPlugin(Publisher, ["UserDeleted"], [])],
            webhooks: true, [], output, cancellationToken);
        using var channel = EventsPublishBenchmark.Channel(platform.EventsGrpc);
        var client = new EventsClient(channel);
        var publisher = EventsBenchPlatform.Bearer(platform.Tokens[Publisher]);
        await EventsPublishBenchmark.WaitPublishableAsync(client, publisher, cancellationToken);

        var webhooks = new WebhooksAdmin.WebhooksAdminClient(platform.RegistryChannel);
        var added = await webhooks.AddWebhookEndpointAsync(new AddWebhookEndpointRequest
        {
            Url = $"http://127.0.0.1:{receiver.Port}/hook/fabrix",
            EventTypes = { "UserDeleted" },
            Description = "events benchmark receiver",
            Reason = "benchmarks/run.sh webhooks",
        }, platform.Manager, cancellationToken: cancellationToken);
        if (!WebhookSecret.TryParse(added.Secret, out var key))
        {
            throw new InvalidOperationException("The registry returned a webhook secret that does not parse.");
        }

        output.WriteLine($"endpoint {added.Endpoint.Id} -> http://127.0.0.1:{receiver.Port}/hook/fabrix (Core.Events test allowance 127.0.0.1/32)");
        await WaitDeliveringAsync(client, publisher, receiver, cancellationToken);
        output.WriteLine($"{Environment.ProcessorCount} cores, load average {BenchSteps.LoadAverage()}; {arguments.Count} deliveries per way, {arguments.Rounds} round(s)");

        // Where the CPU of a Core.Events delivery goes (from /proc): Core.Events, the registry (it ingests the decision audit:
        // the publish and the attempt of each delivery), nats-server and PostgreSQL (the audit chain's rows).
        await using var database = Npgsql.NpgsqlDataSource.Create(arguments.Connection);
        var postgres = await PostgresServerCpu.LocateAsync(database, cancellationToken);
        var natsPidFile = Path.Combine(arguments.WorkFolder, "nats-fixed.pid");
        var natsPid = File.Exists(natsPidFile) && int.TryParse(File.ReadAllText(natsPidFile).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : 0;
        (string Name, Func<TimeSpan> Read)[] processes =
        [
            ("events", () => ProcessCpu.Of(platform.EventsPid)),
            ("registry", () => ProcessCpu.Of(platform.RegistryPid)),
            ("nats", () => natsPid == 0 ? TimeSpan.Zero : ProcessCpu.Of(natsPid)),
            ("postgres", () => postgres?.Sample() ?? TimeSpan.Zero),
        ];
        var fabrixCpu = string.Empty;
        async Task<double> FabrixMeasuredAsync(int count)
        {
            var before = processes.Select(p => p.Read()).ToArray();
            var rate = await FabrixAsync(client, publisher, receiver, count, cancellationToken);
            // The audit records of the last deliveries reach the chain a moment after the deliveries themselves.
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            var after = processes.Select(p => p.Read()).ToArray();
            fabrixCpu = "; CPU per 1000: " + string.Join(", ", processes.Select((p, k) =>
                string.Create(CultureInfo.InvariantCulture, $"{p.Name} {(after[k] - before[k]).TotalMilliseconds * 1000 / count:0.0} ms")));
            return rate;
        }

        // What the same processes spend doing nothing in particular (health checks, timers), to read the figures above against.
        // Right after start this is mostly the JIT's background tier-up of start-up code, which decays over a minute or two
        // (benchmarks/README.md, 2026-12-06 night); --idle 120s shows it settle. After the warm-up it would be the registry
        // still ingesting the warm-up's audit records instead.
        output.WriteLine($"idle for {arguments.Idle.TotalSeconds:0.#} s (events pid {platform.EventsPid}, registry pid {platform.RegistryPid})");
        var idleBefore = processes.Select(p => p.Read()).ToArray();
        await Task.Delay(arguments.Idle, cancellationToken);
        var idleAfter = processes.Select(p => p.Read()).ToArray();
        output.WriteLine("idle CPU per second: " + string.Join(", ", processes.Select((p, k) =>
            string.Create(CultureInfo.InvariantCulture, $"{p.Name} {(idleAfter[k] - idleBefore[k]).TotalMilliseconds / arguments.Idle.TotalSeconds:0.0} ms"))));

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
        var ways = new (string Name, Func<Task<double>> Run)[]
        {
            ("bare", () => BareAsync(http, receiver, key, arguments.Count, 1, cancellationToken)),
            ("fabrix", () => FabrixMeasuredAsync(arguments.Count)),
            ($"bare-x{ParallelLoops}", () => BareAsync(http, receiver, key, arguments.Count, ParallelLoops, cancellationToken)),
        };
        if (arguments.WarmupCount > 0)
        {
            // Steady state, not start-up: the first thousands of deliveries also pay for the JIT's tiering in Core.Events.
            var warm = new (string Name, Func<Task<double>> Run)[]
            {
                ("bare", () => BareAsync(http, receiver, key, arguments.WarmupCount, 1, cancellationToken)),
                ("fabrix", () => FabrixAsync(client, publisher, receiver, arguments.WarmupCount, cancellationToken)),
                ($"bare-x{ParallelLoops}", () => BareAsync(http, receiver, key, arguments.WarmupCount, ParallelLoops, cancellationToken)),
            };
            foreach (var (name, run) in warm)
            {
                output.WriteLine($"warmup  {name,-8} {await run(),8:0} deliveries/s ({arguments.WarmupCount}, not measured)");
            }
        }

        var rates = ways.ToDictionary(w => w.Name, _ => new List<double>(), StringComparer.Ordinal);
        for (var round = 0; round < arguments.Rounds; round++)
        {
            for (var i = 0; i < ways.Length; i++)
            {
                var (name, run) = ways[(i + round) % ways.Length];
                var rate = await run();
                rates[name].Add(rate);
                output.WriteLine($"round {round + 1} {name,-8} {rate,8:0} deliveries/s (load {BenchSteps.LoadAverage()}{(name == "fabrix" ? fabrixCpu : string.Empty)})");
            }
        }

        var bare = rates["bare"].Average();
        var fabrix = rates["fabrix"].Average();
        var parallel = rates[$"bare-x{ParallelLoops}"].Average();
        output.WriteLine($"bare {bare:0} /s, Core.Events {fabrix:0} /s, ratio {fabrix / bare:0.00}; bare with {ParallelLoops} concurrent loops {parallel:0} /s");
        output.WriteLine(new JsonObject
        {
            ["bench"] = "webhooks",
            ["bare_rate"] = Math.Round(bare, 1),
            ["fabrix_rate"] = Math.Round(fabrix, 1),
            ["ratio"] = Math.Round(fabrix / bare, 3),
            ["count"] = arguments.Count,
            [$"bare_x{ParallelLoops}_rate"] = Math.Round(parallel, 1),
            ["load_average"] = BenchSteps.LoadAverage(),
        }.ToJsonString());
        return 0;
    }

    /// <summary>Publishes one event a second until the endpoint's consumer exists and one arrives, then lets the probes settle.</summary>
    private static async Task WaitDeliveringAsync(EventsClient client, Grpc.Core.Metadata publisher, Receiver receiver, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (receiver.Count("fabrix") == 0)
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException("Core.Events delivered no webhook within 90 s (see events.log in the work folder; KEEP_WORK=1 keeps it).");
            }

            await client.PublishAsync(new PublishRequest { Data = Any.Pack(EventsPublishBenchmark.UserDeleted(0)) }, publisher, cancellationToken: cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        long seen;
        do
        {
            seen = receiver.Count("fabrix");
            await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
        }
        while (receiver.Count("fabrix") != seen);
    }

    private static async Task<double> FabrixAsync(EventsClient client, Grpc.Core.Metadata publisher, Receiver receiver, int count, CancellationToken cancellationToken)
    {
        var before = receiver.Count("fabrix");
        var started = Stopwatch.GetTimestamp();
        var published = 0;
        while (published < count)
        {
            var request = new PublishBatchRequest();
            for (var i = 0; i < Math.Min(100, count - published); i++)
            {
                request.Events.Add(new PublishRequest { Data = Any.Pack(EventsPublishBenchmark.UserDeleted(published + i)) });
            }

            var response = await client.PublishBatchAsync(request, publisher, cancellationToken: cancellationToken);
            if (response.Results.FirstOrDefault(r => r.Stored is null) is { } refused)
            {
                throw new InvalidOperationException($"Core.Events refused a publish: {refused.RefusalCode} {refused.Message}");
            }

            published += request.Events.Count;
        }

        var deadline = TimeSpan.FromSeconds(60 + (count / 20.0));
        while (receiver.Count("fabrix") - before < count)
        {
            if (Stopwatch.GetElapsedTime(started) > deadline)
            {
                throw new TimeoutException($"Core.Events delivered {receiver.Count("fabrix") - before} of {count} webhooks within {deadline.TotalSeconds:0} s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken);
        }

        return count / Stopwatch.GetElapsedTime(started, receiver.Last("fabrix")).TotalSeconds;
    }

    /// <summary><paramref name="loops"/> loops of one signed POST at a time (the body Core.Events would send for the same event).</summary>
    private static async Task<double> BareAsync(HttpClient http, Receiver receiver, byte[] key, int count, int loops, CancellationToken cancellationToken)
    {
        var uri = new Uri($"http://127.0.0.1:{receiver.Port}/hook/bare");
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, loops).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                var now = DateTimeOffset.UtcNow;
                var envelope = new CanonicalEvent
                {
                    Id = Uuids.NewVersion7(now).ToString(),
                    Source = $"fabrix://plugins/{Publisher}",
                    SpecVersion = CloudEventJson.SpecVersion,
                    Type = "fabrix.canonical.v1.UserDeleted",
                    Time = Timestamp.FromDateTimeOffset(now),
                    Datacontenttype = "application/protobuf",
                    Dataclassification = "internal",
                    Data = Any.Pack(EventsPublishBenchmark.UserDeleted(next)),
                };
                var body = Encoding.UTF8.GetBytes(CloudEventJson.Write(envelope));
                var timestamp = now.ToUnixTimeSeconds();
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
                request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, envelope.Id);
                request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
                request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.Sign(key, envelope.Id, timestamp, body));
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"The receiver answered {(int)response.StatusCode}.");
                }
            }
        }, CancellationToken.None)));
        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>The local receiver: counts POSTs per path and keeps the last arrival's time; answers 200 "ok" like a typical consumer.</summary>
    private sealed class Receiver
    {
        private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _last = new(StringComparer.Ordinal);

        public int Port { get; private set; }

        public long Count(string way)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(way);
            }
        }

        /// <summary>The last arrival on <paramref name="way"/> (a <see cref="Stopwatch"/> timestamp).</summary>
        public long Last(string way)
        {
            lock (_counts)
            {
                return _last.GetValueOrDefault(way);
            }
        }

        public async Task<WebApplication> StartAsync(CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            app.MapPost("/hook/{way}", async (HttpContext context, string way) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                lock (_counts)
                {
                    _counts[way] = _counts.GetValueOrDefault(way) + 1;
                    _last[way] = Stopwatch.GetTimestamp();
                }

                return Results.Text("ok");
            });
            await app.StartAsync(cancellationToken);
            Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
            return app;
        }
    }
}
