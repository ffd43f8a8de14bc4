using Fabrix.Contracts.Audit;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit.Ingest;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.JetStream;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit.Ingest;

/// <summary>
/// Lane decisions from JetStream into the audit chain (issue 9 section 4), on real PostgreSQL and NATS: batches chained
/// in order, verification still proving the whole chain, each record exactly once whatever is delivered twice.
/// </summary>
public sealed class DecisionIngestTests(PostgresServer postgres, NatsServer nats)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Ingest_ThousandsOfDecisions_AppendedInBatchesChainedInOrderAndVerifyIntact()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        await host.InstallManyAsync(2, "before-lanes");
        var records = DecisionRecords.Many(2500, "orders");

        await host.PublishAsync(records, Ct);
        await WaitForLaneRowsAsync(host, records.Count);

        // Fewer transactions than rows: each batch is one transaction (its rows share the transaction's xmin).
        var transactions = await host.ScalarAsync<long>("select count(distinct xmin::text) from audit_log where lane is not null");
        Assert.InRange(transactions, 1, records.Count / 2);
        Assert.Equal(0L, await host.ScalarAsync<long>(
            "select count(*) from audit_log a left join audit_log p on p.id = a.id - 1 where a.id > 1 and (p.id is null or a.prev_hash <> p.hash)"));
        Assert.Equal(0L, await host.RowsWhoseHashDiffersAsync());
        await host.WriteCheckpointAsync();
        var head = await host.HeadAsync();
        var verification = await host.VerifyAsync();
        Assert.True(verification.Intact, verification.Problem);
        Assert.True(verification.CheckpointValid);
        Assert.Equal(head, verification.RowsChecked);
    }

    [Fact]
    public async Task Ingest_Decision_StoredAsChainedRowWithLaneFields()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var refused = DecisionRecords.New("orders", Lane.Proxy, allowed: false, target: "api.example.com:443");

        await host.PublishAsync([refused], Ct);
        await WaitForLaneRowsAsync(host, 1);

        Assert.Equal("plugin:orders|lane.proxy.forward|api.example.com:443|refused|not_a_dependency|proxy", await host.ScalarAsync<string>(
            "select actor || '|' || action || '|' || target || '|' || outcome || '|' || reason || '|' || lane from audit_log where record_id = @id::uuid",
            ("id", refused.Id)));
        Assert.Equal($"{refused.Traceparent}|1234|5678|core-gateway-test", await host.ScalarAsync<string>(
            "select concat_ws('|', details->>'traceparent', details->>'bytes', details->>'duration_us', details->>'service') from audit_log where record_id = @id::uuid",
            ("id", refused.Id)));
    }

    [Fact]
    public async Task Ingest_DecisionWithAttributes_StoredUnderDetailsAttributesInKeyOrderAndChained()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var record = DecisionRecords.New("orders");
        record.Attributes.Add("status", "200");
        record.Attributes.Add("method", "GET");
        record.Attributes.Add("endpoint", "GET /api/users/{id}");

        await host.PublishAsync([record], Ct);
        await WaitForLaneRowsAsync(host, 1);

        Assert.Equal("GET /api/users/{id}|GET|200", await host.ScalarAsync<string>(
            "select concat_ws('|', details->'attributes'->>'endpoint', details->'attributes'->>'method', details->'attributes'->>'status') from audit_log where record_id = @id::uuid",
            ("id", record.Id)));
        Assert.Equal(0L, await host.RowsWhoseHashDiffersAsync());
    }

    [Fact]
    public async Task Ingest_DecisionWithItems_StoredUnderDetailsItemsInOrderAndChained()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var record = DecisionRecords.New("publisher", Lane.Canonical, target: "fabrix.canonical.v1.UserCreated");
        record.Attributes.Add("event_type", "UserCreated");
        for (var i = 0; i < DecisionMessages.MaxItems; i++)
        {
            var item = new DecisionItem();
            item.Attributes.Add("event_id", $"e-{i:D3}");
            if (i == 1)
            {
                item.Attributes.Add("duplicate", "true");
            }

            record.Items.Add(item);
        }

        await host.PublishAsync([record], Ct);
        await WaitForLaneRowsAsync(host, 1);

        Assert.Equal(string.Join(",", Enumerable.Range(0, DecisionMessages.MaxItems).Select(i => $"e-{i:D3}")), await host.ScalarAsync<string>(
            "select string_agg(item ->> 'event_id', ',' order by n) from audit_log, jsonb_array_elements(details -> 'items') with ordinality as i(item, n) where record_id = @id::uuid",
            ("id", record.Id)));
        Assert.True(await host.ScalarAsync<bool>(
            """select details -> 'items' -> 1 = '{"event_id": "e-001", "duplicate": "true"}'::jsonb from audit_log where record_id = @id::uuid""", ("id", record.Id)));
        Assert.Equal(0L, await host.RowsWhoseHashDiffersAsync());
    }

    /// <summary>
    /// The appender hashes the details it sends, not PostgreSQL's stored text (no round trip): this holds the two equal
    /// for values PostgreSQL's jsonb would change if they could reach it — escapes, control characters, NUL, lone
    /// surrogates, characters outside the BMP, keys that jsonb orders by length rather than by code point, the largest
    /// and smallest integers, long values that are cut — checked by both verifiers against the stored rows.
    /// </summary>
    [Fact]
    public async Task Ingest_HostileDetailValues_StoredAsHashed_BothVerifiersAgree()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        string[] values =
        [
            "quote \" backslash \\ slash / <script>&amp;'", "tab\tline\nfeed\rreturn\u0000nul\u0001\u001f\u007f\u0085",
            "é 中文 Ω", "rocket 🚀 and 𝄞", "lone \ud800 high", "lone \udfff low", "bidi \u202e zero width \u200b\ufeff",
            "line \u2028 paragraph \u2029", new string('x', 5000), string.Empty, "   spaces   ", "\u00e9 vs e\u0301",
        ];
        var records = new List<DecisionRecord>();
        for (var i = 0; i < values.Length; i++)
        {
            var record = DecisionRecords.New("hostile", Lane.Canonical, allowed: i % 2 == 0, target: values[i].Length > 200 ? "long" : values[i]);
            record.Bytes = i == 0 ? long.MaxValue : i == 1 ? long.MinValue : i;
            record.DurationUs = i == 2 ? 0 : -i;
            record.Traceparent = values[i].Length > 100 ? string.Empty : values[i];
            // Keys that sort differently by length first (jsonb) and by code point (the chain): "b" < "aa" < "é" < "🚀".
            record.Attributes.Add("aa", values[i]);
            record.Attributes.Add("b", values[(i + 1) % values.Length]);
            record.Attributes.Add("é", values[(i + 2) % values.Length]);
            record.Attributes.Add("🚀", values[(i + 3) % values.Length]);
            record.Attributes.Add(values[i].Length is > 0 and < 100 ? values[i] : "key", "value");
            foreach (var value in values)
            {
                var item = new DecisionItem();
                item.Attributes.Add("z", value);
                item.Attributes.Add("a\u0000", value);
                item.Attributes.Add("\"", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                record.Items.Add(item);
            }

            records.Add(record);
        }

        await host.PublishAsync(records, Ct);
        await WaitForLaneRowsAsync(host, records.Count);

        Assert.Equal(0L, await host.RowsWhoseHashDiffersAsync());
        var verification = await host.VerifyAsync();
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal(records.Count, await host.ScalarAsync<long>("select count(*) from audit_log where lane is not null"));
        // What was hashed is what is stored: the rows came through, values and all.
        Assert.Equal("9223372036854775807", await host.ScalarAsync<string>(
            "select details->>'bytes' from audit_log where record_id = @id::uuid", ("id", records[0].Id)));
        Assert.Equal("rocket 🚀 and 𝄞", await host.ScalarAsync<string>(
            "select details->'attributes'->>'aa' from audit_log where record_id = @id::uuid", ("id", records[3].Id)));
    }

    [Fact]
    public async Task Ingest_RecordsTricklingIn_ShareATransactionWithinTheLinger()
    {
        // One record on an idle stream, then four more 100 ms apart: with a 1 s linger they are appended together (at
        // most two transactions if the machine is slow); without it each is a round, a transaction and a commit of its own.
        await using var host = await StartIsolatedAsync(postgres, nats);
        var settings = host.Settings();
        settings["Fabrix:Registry:Audit:Ingest:Linger"] = "00:00:01";
        await host.Factory.DisposeAsync();
        host.Start(settings);
        var records = DecisionRecords.Many(5, "trickle");
        await host.PublishAsync(records.Take(1), Ct);

        await using var connection = new NatsConnection(new NatsOpts { Url = host.NatsUrl });
        var js = new NatsJSContext(connection);
        foreach (var record in records.Skip(1))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
            var ack = await js.PublishAsync($"{host.IngestSubject}.operator", Google.Protobuf.MessageExtensions.ToByteArray(record),
                opts: new NatsJSPubOpts { MsgId = record.Id }, cancellationToken: Ct);
            ack.EnsureSuccess();
        }

        await WaitForLaneRowsAsync(host, records.Count);
        var transactions = await host.ScalarAsync<long>("select count(distinct xmin::text) from audit_log where lane is not null");
        Assert.InRange(transactions, 1, 2);
    }

    [Theory]
    [InlineData("00:00:00", true)]
    [InlineData("00:00:00.050", true)]
    [InlineData("00:00:01", true)]
    [InlineData("00:00:01.001", false)]
    [InlineData("-00:00:00.001", false)]
    public void Linger_OutsideZeroToOneSecond_Refused(string linger, bool valid)
    {
        var result = new DecisionIngestOptionsValidator().Validate(null, new DecisionIngestOptions { Linger = TimeSpan.Parse(linger, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Fabrix:Registry:Audit:Ingest:Linger must be between 00:00:00 and 00:00:01", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MaxItems_NoMoreThanAnAuditRowKeepsOfADetailsArray() =>
        Assert.InRange(DecisionMessages.MaxItems, 1, Fabrix.Core.Registry.Audit.AuditValue.MaxDetailArrayItems);

    [Fact]
    public async Task Ingest_RecordCommittedButNotAcknowledged_RedeliveryAcknowledgedWithoutSecondRow()
    {
        // A registry that died between its commit and its acknowledgements: the rows are in the chain, and JetStream
        // delivers the same records again to the next consumer.
        await using var host = await StartIsolatedAsync(postgres, nats);
        var records = DecisionRecords.Many(300, "redelivered");
        var appender = host.Factory.Services.GetRequiredService<DecisionChainAppender>();
        await appender.AppendAsync(records.Select(Row).ToList(), Ct);
        var head = await host.HeadAsync();

        await host.PublishAsync(records, Ct);
        await Eventually.UntilAsync(async () => await host.StreamMessagesAsync(Ct) == 0, Within, "the redelivered records are acknowledged", Ct);

        Assert.Equal(head, await host.HeadAsync());
        Assert.Equal(300L, await host.ScalarAsync<long>("select count(*) from audit_log where lane is not null"));
        Assert.True((await host.VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Append_SameRecordInTwoBatchesAndTwiceInOne_LandsOnce()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var appender = host.Factory.Services.GetRequiredService<DecisionChainAppender>();
        var (a, b, c) = (Row(DecisionRecords.New("twice")), Row(DecisionRecords.New("twice")), Row(DecisionRecords.New("twice")));

        var first = await appender.AppendAsync([a, b, b], Ct);
        var second = await appender.AppendAsync([b, c], Ct);
        var third = await appender.AppendAsync([a, c], Ct);

        Assert.Equal((2, 1), (first.Appended, first.Duplicates));
        Assert.Equal((1, 1), (second.Appended, second.Duplicates));
        Assert.Equal((0, 2), (third.Appended, third.Duplicates));
        Assert.Equal(3L, await host.ScalarAsync<long>("select count(*) from audit_log where actor = 'plugin:twice'"));
        Assert.True((await host.VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Append_ARowPostgresRefuses_NothingOfTheBatchAppendedOrRemembered()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var appender = host.Factory.Services.GetRequiredService<DecisionChainAppender>();
        var written = host.Factory.Services.GetRequiredService<Fabrix.Core.Registry.Audit.AuditWrittenHashes>();
        var head = await host.ScalarAsync<long>("select coalesce(max(id), 0) from audit_log");
        var (first, last) = (Row(DecisionRecords.New("atomic")), Row(DecisionRecords.New("atomic")));
        // Details PostgreSQL cannot take as jsonb, between two good rows: the whole batch goes or none of it.
        var refused = Row(DecisionRecords.New("atomic")) with { DetailsJson = """{"record_id": """ };

        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => appender.AppendAsync([first, refused, last], Ct));

        Assert.Equal("22P02", error.SqlState);
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from audit_log where actor = 'plugin:atomic'"));
        Assert.False(written.TryCheck(head + 1, new string('0', 64), out _));
        var again = await appender.AppendAsync([first, last], Ct);
        Assert.Equal((2, 0), (again.Appended, again.Duplicates));
        Assert.True((await host.VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Insert_SecondRowWithSameRecordId_RefusedByUniqueIndex()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var record = DecisionRecords.New("unique");
        await host.Factory.Services.GetRequiredService<DecisionChainAppender>().AppendAsync([Row(record)], Ct);

        // Bypassing the appender's check (chain extended correctly, same record id): the index refuses it. The copy is
        // of the decision's row, placed after the chain's last row (the registry may have audited something since).
        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => host.ScalarAsync<long>("""
            insert into audit_log (id, at, actor, action, target, outcome, reason, correlation_id, details, prev_hash, hash)
            select l.id + 1, now(), d.actor, d.action, d.target, d.outcome, d.reason, d.correlation_id, d.details, l.hash, l.hash
            from (select * from audit_log order by id desc limit 1) as l,
                 (select * from audit_log where actor = 'plugin:unique' order by id desc limit 1) as d
            returning id
            """));

        Assert.Equal("23505", error.SqlState);
    }

    [Fact]
    public async Task Ingest_MessageThatIsNotARecord_TerminatedAndNotAppended()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var good = DecisionRecords.New("after-garbage");
        await host.PublishAsync([], Ct);
        await host.PublishRawAsync([0xff, 0xff, 0xff], Ct);

        await host.PublishAsync([good], Ct);
        await WaitForLaneRowsAsync(host, 1);
        await Eventually.UntilAsync(async () => await host.StreamMessagesAsync(Ct) == 0, Within, "the bad message is terminated", Ct);

        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from audit_log where lane is not null"));
    }

    [Fact]
    public async Task Ingest_BatchMessage_EveryRecordChainedInOrderOnceEvenWhenTheBatchIsStoredTwice()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var records = DecisionRecords.Many(300, "batched");

        await host.PublishBatchAsync(records, Ct);
        // The same batch under another message id (JetStream's duplicate window does not catch it): the record ids do.
        await host.PublishBatchAsync(records, Ct, messageId: $"again:{Guid.NewGuid()}");
        await WaitForLaneRowsAsync(host, records.Count);
        await Eventually.UntilAsync(async () => await host.StreamMessagesAsync(Ct) == 0, Within, "both messages acknowledged", Ct);

        var stored = await host.ScalarAsync<string>("select string_agg(details->>'record_id', ',' order by id) from audit_log where lane is not null");
        Assert.Equal(string.Join(',', records.Select(r => r.Id)), stored);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(distinct xmin::text) from audit_log where lane is not null"));
        var verification = await host.VerifyAsync();
        Assert.True(verification.Intact, verification.Problem);
    }

    [Theory]
    [InlineData("no plugin id")]
    [InlineData("too many items")]
    public async Task Ingest_BatchWithOneUnusableRecord_OthersAppendedAndTheBadOneLeftOut(string spoiled)
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var bad = DecisionRecords.New("batched", Lane.Canonical);
        if (spoiled == "no plugin id")
        {
            bad.PluginId = string.Empty;
        }
        else
        {
            bad.Items.Add(Enumerable.Range(0, DecisionMessages.MaxItems + 1).Select(i => new DecisionItem { Attributes = { ["event_id"] = $"e-{i}" } }));
        }

        var records = new[] { DecisionRecords.New("batched"), bad, DecisionRecords.New("batched") };

        await host.PublishBatchAsync(records, Ct);
        await WaitForLaneRowsAsync(host, 2);
        await Eventually.UntilAsync(async () => await host.StreamMessagesAsync(Ct) == 0, Within, "the batch acknowledged", Ct);

        Assert.Equal($"{records[0].Id},{records[2].Id}", await host.ScalarAsync<string>(
            "select string_agg(details->>'record_id', ',' order by id) from audit_log where lane is not null"));
    }

    [Fact]
    public async Task Ingest_BatchWhoseCountHeaderLies_TerminatedAndNothingAppended()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var good = DecisionRecords.New("after-the-lie");

        await host.PublishBatchAsync(DecisionRecords.Many(3, "liar"), Ct, countHeader: "2");
        await host.PublishAsync([good], Ct);
        await WaitForLaneRowsAsync(host, 1);
        await Eventually.UntilAsync(async () => await host.StreamMessagesAsync(Ct) == 0, Within, "the lying batch is terminated", Ct);

        Assert.Equal(good.Id, await host.ScalarAsync<string>("select string_agg(details->>'record_id', ',') from audit_log where lane is not null"));
    }

    [Fact]
    public async Task Query_ByLaneAndPlugin_ReturnsOnlyThatPluginsDecisionsOnThatLane()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var wanted = DecisionRecords.Many(4, "billing", Lane.Operator);
        var otherLane = DecisionRecords.Many(3, "billing", Lane.Proxy);
        var otherPlugin = DecisionRecords.Many(2, "shipping", Lane.Operator);
        await host.PublishAsync([.. wanted, .. otherLane, .. otherPlugin], Ct);
        await WaitForLaneRowsAsync(host, 9);

        var page = await host.AuditClient().QueryAuditAsync(new QueryAuditRequest
        {
            Filter = new AuditFilter { Lane = "operator", Plugin = "billing" },
            PageSize = 50,
        }, host.Viewer(), cancellationToken: Ct);

        Assert.Equal(4L, page.TotalCount);
        Assert.All(page.Records, r => Assert.Equal(("plugin:billing", "lane.operator.forward"), (r.Actor, r.Action)));
        Assert.Equal(wanted.Select(r => r.Id).Order(), page.Records.Select(r => RecordIdOf(r.DetailsJson)).Order());
    }

    [Fact]
    public async Task Query_UnknownLane_InvalidArgumentNamingTheField()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => host.AuditClient().QueryAuditAsync(new QueryAuditRequest
        {
            Filter = new AuditFilter { Lane = "sideways" },
        }, host.Viewer(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["filter.lane"], error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task Query_ChangesOnly_ExcludesLaneDecisions()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        await host.InstallManyAsync(1, "a-change");
        await host.PublishAsync(DecisionRecords.Many(3, "not-a-change"), Ct);
        await WaitForLaneRowsAsync(host, 3);

        var page = await host.AuditClient().QueryAuditAsync(new QueryAuditRequest { Filter = new AuditFilter { ChangesOnly = true }, PageSize = 50 },
            host.Viewer(), cancellationToken: Ct);

        Assert.DoesNotContain(page.Records, r => r.Action.StartsWith("lane.", StringComparison.Ordinal));
        Assert.Contains(page.Records, r => r.Action == "plugin.install");
    }

    private static DecisionRow Row(DecisionRecord record) => DecisionRows.TryMap(record, out _)!;

    private static string RecordIdOf(string detailsJson) =>
        System.Text.Json.JsonDocument.Parse(detailsJson).RootElement.GetProperty("record_id").GetString()!;

    private static Task WaitForLaneRowsAsync(RegistryHost host, long count) =>
        Eventually.UntilAsync(async () => await host.ScalarAsync<long>("select count(*) from audit_log where lane is not null") >= count, Within,
            $"{count} lane decisions in the chain", Ct);
}
