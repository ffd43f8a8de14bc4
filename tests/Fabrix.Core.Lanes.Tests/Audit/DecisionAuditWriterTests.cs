using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Core.Lanes.Audit;
using Fabrix.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Lanes.Tests.Audit;

/// <summary>
/// The lanes' decision audit writer (issue 9 section 4) on a real nats-server: records reach JetStream acknowledged
/// with their id as message id; a full buffer refuses (fail closed) or drops and counts, per lane, visibly.
/// </summary>
public sealed class DecisionAuditWriterTests(NatsServer nats) : IClassFixture<NatsServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Write_BufferFullAndLaneFailsClosed_RefusedCountedAndUnhealthy()
    {
        using var host = Build(("BufferCapacity", "2"));
        var writer = host.Services.GetRequiredService<DecisionAuditWriter>();
        using var refused = Collector<long>(host, "fabrix.lanes.audit.refused");

        var results = Enumerable.Range(0, 3).Select(_ => writer.Write(Decision(Lane.Operator))).ToList();
        var health = await HealthAsync(host);

        Assert.Equal([DecisionAuditResult.Accepted, DecisionAuditResult.Accepted, DecisionAuditResult.Refused], results);
        Assert.Equal(1, refused.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal("operator", refused.LastMeasurement!.Tags["lane"]);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal(1L, health.Data["refused"]);
    }

    [Fact]
    public async Task Write_BufferFullAndLaneDropsAndCounts_DroppedCountedWhileOtherLanesStillFailClosed()
    {
        using var host = Build(("BufferCapacity", "1"), ("WhenFull:Proxy", "DropAndCount"));
        var writer = host.Services.GetRequiredService<DecisionAuditWriter>();
        using var dropped = Collector<long>(host, "fabrix.lanes.audit.dropped");

        writer.Write(Decision(Lane.Proxy));
        var proxy = writer.Write(Decision(Lane.Proxy));
        var operatorLane = writer.Write(Decision(Lane.Operator));
        var health = await HealthAsync(host);

        Assert.Equal(DecisionAuditResult.Dropped, proxy);
        Assert.Equal(DecisionAuditResult.Refused, operatorLane);
        Assert.Equal(1, dropped.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1L, health.Data["dropped"]);
    }

    [Fact]
    public async Task Publisher_DecisionsWrittenWithBatchingOff_EachStoredAloneWithRecordIdAsMessageId()
    {
        var (stream, subject) = await CreateStreamAsync();
        using var host = Build(("Subject", subject), ("Service", "core-gateway"), ("MaxBatch", "1"));
        await host.StartAsync(Ct);
        var writer = host.Services.GetRequiredService<DecisionAuditWriter>();
        var metrics = host.Services.GetRequiredService<DecisionAuditMetrics>();

        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(DecisionAuditResult.Accepted, writer.Write(Decision(i % 2 == 0 ? Lane.Operator : Lane.Canonical, bytes: i)));
        }

        await Eventually.WaitAsync(() => metrics.PublishedTotal == 40, "40 records acknowledged", Ct);
        var messages = await ReadAllAsync(stream, 40);
        await host.StopAsync(Ct);

        Assert.Equal(40, messages.Count);
        Assert.All(messages, m => Assert.Equal(m.Record.Id, m.MessageId));
        Assert.Equal(40, messages.Select(m => m.Record.Id).Distinct().Count());
        Assert.All(messages, m => Assert.True(Guid.TryParseExact(m.Record.Id, "D", out var id) && id.Version == 7));
        Assert.Equal(20, messages.Count(m => m.Subject == $"{subject}.operator" && m.Record.Lane == Lane.Operator));
        var first = messages.Single(m => m.Record.Bytes == 0).Record;
        Assert.Equal(("orders", "billing/invoices", "forward", DecisionOutcome.Refused, "not_a_dependency", "core-gateway", 1500L),
            (first.PluginId, first.Target, first.Action, first.Outcome, first.ReasonCode, first.Service, first.DurationUs));
    }

    [Fact]
    public async Task Publisher_WithLaneMessaging_PublishesOnTheAuditsOwnConnection()
    {
        var (stream, subject) = await CreateStreamAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([
            new($"ConnectionStrings:{LaneMessagingExtensions.ConnectionName}", nats.Url),
            new($"{DecisionAuditOptions.SectionName}:Subject", subject),
        ]);
        builder.Services.AddLogging();
        builder.AddLaneMessaging("fabrix-test-lane");
        builder.AddDecisionAudit();
        using var host = builder.Build();
        await host.StartAsync(Ct);

        Assert.Equal(DecisionAuditResult.Accepted, host.Services.GetRequiredService<DecisionAuditWriter>().Write(Decision(Lane.Canonical)));
        await Eventually.WaitAsync(() => host.Services.GetRequiredService<DecisionAuditMetrics>().PublishedTotal == 1, "the record acknowledged", Ct);
        Assert.Single(await ReadAllAsync(stream, 1));
        var audit = host.Services.GetRequiredKeyedService<INatsConnection>(LaneMessagingExtensions.AuditConnectionKey);
        var lane = host.Services.GetRequiredService<INatsConnection>();
        await host.StopAsync(Ct);

        // NATS.Net connects on first use: only the audit's connection was used.
        Assert.NotSame(lane, audit);
        Assert.Equal(NatsConnectionState.Open, audit.ConnectionState);
        Assert.Equal("fabrix-test-lane-audit", audit.Opts.Name);
        Assert.Equal(NatsConnectionState.Closed, lane.ConnectionState);
    }

    [Fact]
    public async Task Publisher_BurstOfOneLane_StoredAsBatchMessagesEachRecordOnceInOrder()
    {
        var (stream, subject) = await CreateStreamAsync();
        using var host = Build(("Subject", subject), ("PublishConcurrency", "1"), ("MaxBatch", "16"));
        var writer = host.Services.GetRequiredService<DecisionAuditWriter>();
        var metrics = host.Services.GetRequiredService<DecisionAuditMetrics>();
        var written = Enumerable.Range(0, 40).Select(i => Decision(Lane.Operator, bytes: i)).ToList();
        // Buffered before the publisher starts: its one worker finds 40 records waiting.
        Assert.All(written, decision => Assert.Equal(DecisionAuditResult.Accepted, writer.Write(decision)));

        await host.StartAsync(Ct);
        await Eventually.WaitAsync(() => metrics.PublishedTotal == 40, "40 records acknowledged", Ct);
        var messages = await ReadMessagesAsync(stream, 40);
        await host.StopAsync(Ct);

        Assert.Equal([16, 16, 8], messages.Select(m => m.Records.Count));
        Assert.All(messages, m => Assert.Equal(m.Records.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), m.BatchHeader));
        Assert.All(messages, m => Assert.Equal($"batch:{m.Records[0].Id}:{m.Records.Count}", m.MessageId));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), messages.SelectMany(m => m.Records).Select(r => r.Bytes));
    }

    [Fact]
    public async Task Publisher_DecisionWithAttributes_RecordCarriesThemBoundedInCountAndLength()
    {
        var attributes = OverlongAttributes();

        var record = await StoredRecordOfAsync(Decision(Lane.Operator) with { Attributes = attributes });

        Assert.Equal(DecisionAuditWriter.MaxAttributes, record.Attributes.Count);
        Assert.Equal(DecisionAuditWriter.MaxAttributeValueLength, record.Attributes["key_00"].Length);
        Assert.All(record.Attributes.Where(pair => pair.Key != "key_00"), pair => Assert.Equal(attributes[pair.Key], pair.Value));
    }

    [Fact]
    public async Task Publisher_DecisionWithItems_RecordCarriesThemInOrderEachBounded()
    {
        var items = Enumerable.Range(0, DecisionMessages.MaxItems)
            .Select(i => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["event_id"] = $"e-{i}" })
            .ToList();
        items[1] = OverlongAttributes();

        var record = await StoredRecordOfAsync(Decision(Lane.Canonical) with { Items = items });

        Assert.Equal(DecisionMessages.MaxItems, record.Items.Count);
        Assert.Equal("e-0", record.Items[0].Attributes["event_id"]);
        Assert.Equal($"e-{DecisionMessages.MaxItems - 1}", record.Items[^1].Attributes["event_id"]);
        Assert.Equal(DecisionAuditWriter.MaxAttributes, record.Items[1].Attributes.Count);
        Assert.Equal(DecisionAuditWriter.MaxAttributeValueLength, record.Items[1].Attributes["key_00"].Length);
    }

    [Fact]
    public void Write_MoreItemsThanARecordCarries_ThrowsAndBuffersNothing()
    {
        using var host = Build(("Subject", "decisions.unused"));
        var writer = host.Services.GetRequiredService<DecisionAuditWriter>();
        var items = Enumerable.Range(0, DecisionMessages.MaxItems + 1)
            .Select(i => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["event_id"] = $"e-{i}" })
            .ToList();

        var error = Assert.Throws<ArgumentException>(() => writer.Write(Decision(Lane.Canonical) with { Items = items }));

        Assert.Contains($"at most {DecisionMessages.MaxItems} items", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, writer.Buffered);
    }

    [Fact]
    public async Task Publisher_NoStreamAtFirst_DegradedAndRetriesUntilEveryRecordIsStored()
    {
        var stream = $"LATE_{Guid.NewGuid():N}";
        var subject = $"late.{stream}";
        using var host = Build(("Subject", subject), ("MaxRetryDelay", "00:00:00.2"), ("PublishTimeout", "00:00:01"));
        await host.StartAsync(Ct);
        var writer = host.Services.GetRequiredService<DecisionAuditWriter>();
        var metrics = host.Services.GetRequiredService<DecisionAuditMetrics>();
        for (var i = 0; i < 5; i++)
        {
            writer.Write(Decision(Lane.Proxy));
        }

        await Eventually.WaitAsync(() => metrics.PublishFailuresTotal > 0, "a publish failed", Ct);
        var degraded = await HealthAsync(host);
        await CreateStreamAsync(stream, subject);
        await Eventually.WaitAsync(() => metrics.PublishedTotal == 5, "every record stored once the stream exists", Ct);
        var recovered = await HealthAsync(host);
        await host.StopAsync(Ct);

        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal(HealthStatus.Healthy, recovered.Status);
        Assert.Equal(5, (await ReadAllAsync(stream, 5)).Count);
    }

    [Fact]
    public async Task EnsureStored_DuplicateAcknowledgementFromJetStream_IsSuccessAndARealErrorStillThrows()
    {
        var (_, subject) = await CreateStreamAsync();
        await using var connection = new NatsConnection(new NatsOpts { Url = nats.Url });
        var js = new NatsJSContext(connection);
        var options = new NatsJSPubOpts { MsgId = Guid.NewGuid().ToString() };

        var first = await js.PublishAsync($"{subject}.operator", new byte[] { 1 }, opts: options, cancellationToken: Ct);
        // The same message id again: what a retry after a lost acknowledgement gets back.
        var again = await js.PublishAsync($"{subject}.operator", new byte[] { 1 }, opts: options, cancellationToken: Ct);

        Assert.True(again.Duplicate);
        DecisionAuditPublisher.EnsureStored(first);
        DecisionAuditPublisher.EnsureStored(again);
        Assert.ThrowsAny<NatsJSException>(() => DecisionAuditPublisher.EnsureStored(again with { Error = new ApiError { Code = 503, Description = "unavailable" } }));
    }

    [Fact]
    public async Task Publisher_RecordsWrittenWhileAShortBatchLingers_GoOutWithItInOneMessage()
    {
        var (stream, subject) = await CreateStreamAsync();
        var clock = new FakeTimeProvider();
        using var host = Build(services => services.AddSingleton<TimeProvider>(clock), ("Subject", subject), ("PublishConcurrency", "1"), ("Linger", "00:00:00.005"));
        await host.StartAsync(Ct);
        var writer = host.Services.GetRequiredService<DecisionAuditWriter>();
        var metrics = host.Services.GetRequiredService<DecisionAuditMetrics>();

        Assert.Equal(DecisionAuditResult.Accepted, writer.Write(Decision(Lane.Canonical, bytes: 0)));
        // The one worker took the record and waits the linger (on the clock) for more.
        await Eventually.WaitAsync(() => writer.Buffered == 0, "the first record taken", Ct);
        Assert.Equal(DecisionAuditResult.Accepted, writer.Write(Decision(Lane.Canonical, bytes: 1)));
        Assert.Equal(DecisionAuditResult.Accepted, writer.Write(Decision(Lane.Canonical, bytes: 2)));
        Assert.Equal(0, metrics.PublishedTotal);
        // The clock moves on until the linger ends (the worker may start its wait after the first step).
        await Eventually.WaitAsync(() =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            return metrics.PublishedTotal == 3;
        }, "3 records acknowledged", Ct);
        var messages = await ReadMessagesAsync(stream, 3);
        await host.StopAsync(Ct);

        var message = Assert.Single(messages);
        Assert.Equal([0L, 1L, 2L], message.Records.Select(r => r.Bytes));
    }

    [Fact]
    public async Task Stop_ItemsHeldByTheBatcher_WrittenAndPublishedBeforeThePublisherStops()
    {
        // The batcher is registered after the publisher, so the host stops it first: what it holds reaches JetStream.
        var (stream, subject) = await CreateStreamAsync();
        using var host = Build(("Subject", subject), ("ItemLinger", "00:00:01"));
        await host.StartAsync(Ct);
        var batcher = host.Services.GetRequiredService<DecisionItemBatcher>();

        batcher.Add(Decision(Lane.Canonical), new Dictionary<string, string> { ["event_id"] = "e1" });
        batcher.Add(Decision(Lane.Canonical), new Dictionary<string, string> { ["event_id"] = "e2" });
        var heldAtStop = batcher.Held;
        await host.StopAsync(Ct);
        var stored = await ReadAllAsync(stream, 1);

        Assert.Equal(1, heldAtStop);
        var record = Assert.Single(stored).Record;
        Assert.Equal(["e1", "e2"], record.Items.Select(i => i.Attributes["event_id"]));
    }

    [Fact]
    public void Options_EveryBadKey_ReportedAtOnce()
    {
        var options = new DecisionAuditOptions
        {
            Subject = "fabrix.*",
            BufferCapacity = 0,
            PublishConcurrency = 0,
            MaxBatch = 0,
            MaxBatchBytes = 10,
            Linger = TimeSpan.FromSeconds(2),
            ItemLinger = TimeSpan.FromMilliseconds(-1),
            PublishTimeout = TimeSpan.Zero,
            MaxRetryDelay = TimeSpan.Zero,
            Service = " ",
        };

        var result = new DecisionAuditOptionsValidator().Validate(null, options);

        Assert.Equal(["Subject", "BufferCapacity", "PublishConcurrency", "MaxBatch", "MaxBatchBytes", "ItemLinger", "Linger", "PublishTimeout", "MaxRetryDelay", "Service"],
            result.Failures!.Select(f => f.Split(' ')[0].Split(':')[^1]));
    }

    [Fact]
    public void Build_BadConfiguration_StartRefusedNamingTheKey()
    {
        using var host = Build(("BufferCapacity", "-1"));

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => host.Services.GetRequiredService<DecisionAuditWriter>());

        Assert.Contains("Fabrix:Lanes:Audit:BufferCapacity", error.Message, StringComparison.Ordinal);
    }

    /// <summary>20 attributes, the first with a 600-character value: more, and longer, than a record keeps.</summary>
    private static Dictionary<string, string> OverlongAttributes() =>
        Enumerable.Range(0, 20).ToDictionary(i => $"key_{i:D2}", i => i == 0 ? new string('v', 600) : $"value {i}");

    /// <summary>Writes <paramref name="decision"/> through a started writer and returns the record JetStream stored.</summary>
    private async Task<DecisionRecord> StoredRecordOfAsync(LaneDecision decision)
    {
        var (stream, subject) = await CreateStreamAsync();
        using var host = Build(("Subject", subject));
        await host.StartAsync(Ct);
        var metrics = host.Services.GetRequiredService<DecisionAuditMetrics>();

        host.Services.GetRequiredService<DecisionAuditWriter>().Write(decision);
        await Eventually.WaitAsync(() => metrics.PublishedTotal == 1, "the record acknowledged", Ct);
        var record = (await ReadAllAsync(stream, 1)).Single().Record;
        await host.StopAsync(Ct);
        return record;
    }

    private static LaneDecision Decision(Lane lane, long bytes = 10) =>
        new("orders", lane, "billing/invoices", "forward", Allowed: false, "not_a_dependency", Guid.NewGuid().ToString("N"),
            Traceparent: null, Bytes: bytes, Duration: TimeSpan.FromMilliseconds(1.5));

    private IHost Build(params (string Key, string Value)[] settings) => Build(_ => { }, settings);

    private IHost Build(Action<IServiceCollection> configure, params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        configure(builder.Services);
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"{DecisionAuditOptions.SectionName}:{s.Key}", s.Value)));
        builder.Services.AddLogging();
        builder.Services.AddSingleton<INatsConnection>(new NatsConnection(new NatsOpts { Url = nats.Url }));
        builder.AddDecisionAudit();
        return builder.Build();
    }

    private static MetricCollector<T> Collector<T>(IHost host, string instrument)
        where T : struct =>
        new(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), DecisionAuditMetrics.MeterName, instrument);

    private static Task<HealthReportEntry> HealthAsync(IHost host) =>
        host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct).ContinueWith(t => t.Result.Entries["decision-audit"], TaskScheduler.Default);

    private async Task<(string Stream, string Subject)> CreateStreamAsync(string? stream = null, string? subject = null)
    {
        stream ??= $"DECISIONS_{Guid.NewGuid():N}";
        subject ??= $"decisions.{stream}";
        await using var connection = new NatsConnection(new NatsOpts { Url = nats.Url });
        await new NatsJSContext(connection).CreateStreamAsync(new StreamConfig(stream, [$"{subject}.>"]) { Storage = StreamConfigStorage.File }, Ct);
        return (stream, subject);
    }

    private async Task<List<(string? MessageId, string? BatchHeader, IReadOnlyList<DecisionRecord> Records)>> ReadMessagesAsync(string stream, int count)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = nats.Url });
        var consumer = await new NatsJSContext(connection).CreateOrderedConsumerAsync(stream, cancellationToken: Ct);
        var messages = new List<(string?, string?, IReadOnlyList<DecisionRecord>)>();
        await foreach (var message in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = count, Expires = TimeSpan.FromSeconds(2) }, cancellationToken: Ct))
        {
            var header = message.Headers?.TryGetValue(Fabrix.Contracts.Audit.DecisionMessages.BatchHeader, out var value) == true ? value.ToString() : null;
            messages.Add((message.Headers?["Nats-Msg-Id"].ToString(), header, Fabrix.Contracts.Audit.DecisionMessages.Read(header, message.Data)));
        }

        return messages;
    }

    /// <summary>The records stored, one entry per record (a batch message gives several, each with the batch's message id).</summary>
    private async Task<List<(string Subject, string? MessageId, DecisionRecord Record)>> ReadAllAsync(string stream, int count)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = nats.Url });
        var consumer = await new NatsJSContext(connection).CreateOrderedConsumerAsync(stream, cancellationToken: Ct);
        var messages = new List<(string, string?, DecisionRecord)>();
        await foreach (var message in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = count, Expires = TimeSpan.FromSeconds(5) }, cancellationToken: Ct))
        {
            var header = message.Headers?.TryGetValue(Fabrix.Contracts.Audit.DecisionMessages.BatchHeader, out var value) == true ? value.ToString() : null;
            foreach (var record in Fabrix.Contracts.Audit.DecisionMessages.Read(header, message.Data))
            {
                messages.Add((message.Subject, message.Headers?["Nats-Msg-Id"].ToString(), record));
            }
        }

        return messages;
    }
}
