using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;
using AuditCheckpoint = Fabrix.Core.Registry.Audit.AuditCheckpoint;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>
/// Issue 7 section 2: every tampering shape, done in SQL as a database superuser, detected with the anchor stream, and
/// without it where the database alone can show it. Two checkpoints are signed (C1, then C2 four rows later); the
/// tampering starts at row K between them. Each test breaks its own database.
/// </summary>
public sealed class AuditAnchorTests(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    private RegistryHost _host = null!;
    private AuditCheckpoint _first = null!;
    private AuditCheckpoint _second = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await StartIsolatedAsync(postgres, nats);
        await _host.InstallManyAsync(6, "anchor");
        _first = await _host.WriteCheckpointAsync();
        await _host.InstallManyAsync(4, "anchor");
        _second = await _host.WriteCheckpointAsync();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private long K => _first.Sequence + 2;

    public static TheoryData<string, bool> Shapes => new()
    {
        // shape, detectable from the database alone
        { "edit", true },
        { "delete", true },
        { "reorder", true },
        { "truncate", true },
        { "rehash", true },
        { "rehash-and-delete-checkpoints", false },
        { "truncate-and-delete-checkpoints", false },
    };

    [Fact]
    public async Task Verify_UntouchedLog_IntactAndEveryAnchorMatches()
    {
        var result = await _host.VerifyAsync();

        Assert.True(result.Intact, result.Problem);
        Assert.True(result.CheckpointChainValid);
        Assert.True(result.AnchorStreamChecked, result.AnchorStreamProblem);
        Assert.True(result.StreamAnchorsCompared >= 2);
        Assert.Empty(result.AnchorFindings);
        Assert.False(result.StaleHead);
        Assert.Equal(_second.Number, result.LatestCheckpoint.Number);
        Assert.Equal(_first.Hash, _second.PreviousCheckpointHash);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Verify_TamperedWithAnchorStream_Detected(string shape, bool _)
    {
        await TamperAsync(shape);

        var result = await _host.VerifyAsync();

        Assert.False(result.Intact);
        Assert.NotEqual(0L, result.FirstBrokenSequence);
        Assert.InRange(result.FirstBrokenSequence, K, _second.Sequence + 1);
        Assert.NotEmpty(result.Problem);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Verify_TamperedDatabaseOnly_DetectedWhereTheDatabaseCanShowIt(string shape, bool detectableWithoutAnchors)
    {
        await TamperAsync(shape);

        var result = await _host.Factory.Services.GetRequiredService<AuditVerifier>().VerifyAsync([], compareAnchorStream: false, Ct);

        Assert.False(result.AnchorStreamChecked);
        Assert.Equal(!detectableWithoutAnchors, result.Intact);
    }

    [Theory]
    [InlineData("rehash-and-delete-checkpoints")]
    [InlineData("truncate-and-delete-checkpoints")]
    public async Task Verify_CheckpointsDeleted_AnchorStreamNamesTheMissingCheckpoint(string shape)
    {
        await TamperAsync(shape);

        var result = await _host.VerifyAsync();

        var finding = Assert.Single(result.AnchorFindings, f => f.Number == _second.Number);
        Assert.Equal("anchor_stream", finding.Source);
        Assert.Equal("missing", finding.Kind);
        Assert.Contains($"checkpoint {_second.Number}", finding.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AnchorsFile_ReportsCheckpointMissingFromDatabase()
    {
        var exported = await _host.ExportAnchorsAsync();
        await TamperAsync("rehash-and-delete-checkpoints");
        var file = exported.Select(AuditLogReader.FromContract).ToList();

        var result = await _host.Factory.Services.GetRequiredService<AuditVerifier>().VerifyAsync(file, compareAnchorStream: false, Ct);

        Assert.False(result.Intact);
        Assert.Equal(exported.Count, result.FileAnchorsCompared);
        var finding = Assert.Single(result.AnchorFindings);
        Assert.Equal(("anchors_file", _second.Number, "missing"), (finding.Source, finding.Number, finding.Kind));
        Assert.Equal(_second.Sequence, result.FirstBrokenSequence);
        Assert.Contains($"hash differs from anchored checkpoint {_second.Number}", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AnchorsFileThroughGrpc_ComparedLikeTheStream()
    {
        var exported = await _host.ExportAnchorsAsync();
        await _host.TamperAsync($"delete from audit_checkpoints where number = {_second.Number}");
        var request = new VerifyAuditRequest();
        request.Anchors.Add(exported);

        var result = await _host.AuditClient().VerifyAuditAsync(request, _host.Viewer(), cancellationToken: Ct);

        Assert.False(result.Intact);
        Assert.Equal(exported.Count, result.FileAnchorsCompared);
        Assert.Contains(result.AnchorFindings, f => f.Source == "anchors_file" && f.Number == _second.Number && f.Kind == "missing");
        Assert.Contains(result.AnchorFindings, f => f.Source == "anchor_stream" && f.Number == _second.Number && f.Kind == "missing");
    }

    [Fact]
    public async Task Verify_ForgedAnchorInFile_ReportedInvalid()
    {
        var exported = await _host.ExportAnchorsAsync();
        var forged = exported[^1].Clone();
        forged.RowCount += 1;
        var request = new VerifyAuditRequest();
        request.Anchors.Add(forged);

        var result = await _host.AuditClient().VerifyAuditAsync(request, _host.Viewer(), cancellationToken: Ct);

        var finding = Assert.Single(result.AnchorFindings);
        Assert.Equal("invalid", finding.Kind);
        Assert.Contains("invalid signature", finding.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_AfterRehashAndCheckpointDeletion_RefusesToSign()
    {
        await TamperAsync("rehash-and-delete-checkpoints");
        await _host.InstallManyAsync(1, "after");
        var before = await _host.ScalarAsync<long>("select count(*) from audit_checkpoints");

        var attempt = await _host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);

        Assert.Equal(CheckpointOutcome.ChainBroken, attempt.Outcome);
        // The anchor stream still ends at C2, whose row was re-hashed: the registry will not sign over it.
        Assert.Contains($"row {_second.Sequence} no longer has the hash", attempt.Problem, StringComparison.Ordinal);
        Assert.Equal(before, await _host.ScalarAsync<long>("select count(*) from audit_checkpoints"));
    }

    [Fact]
    public async Task Checkpoint_RehashedRowsUnderAnExistingCheckpoint_RefusesToSign()
    {
        await TamperAsync("rehash");
        await _host.InstallManyAsync(1, "after");

        var attempt = await _host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);

        Assert.Equal(CheckpointOutcome.ChainBroken, attempt.Outcome);
        Assert.Contains($"row {_second.Sequence} no longer has the hash", attempt.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_CommitLostAfterPublish_StoredFromTheAnchorNextTime()
    {
        // The publish reached the stream but the database commit did not: simulate by deleting the database's copy.
        await _host.TamperAsync($"delete from audit_checkpoints where number = {_second.Number}");

        var attempt = await _host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);
        var result = await _host.VerifyAsync();

        Assert.Equal(CheckpointOutcome.Unchanged, attempt.Outcome);
        Assert.True(result.Intact, result.Problem);
        Assert.Equal(_second.Number, result.LatestCheckpoint.Number);
    }

    private Task TamperAsync(string shape) => shape switch
    {
        "edit" => _host.TamperAsync($"update audit_log set reason = 'nothing happened here' where id = {K}"),
        "delete" => _host.TamperAsync($"delete from audit_log where id = {K}"),
        "reorder" => _host.TamperAsync($"""
            update audit_log set id = -1 where id = {K};
            update audit_log set id = {K} where id = {K + 1};
            update audit_log set id = {K + 1} where id = -1;
            """),
        "truncate" => _host.TamperAsync($"delete from audit_log where id > {K}"),
        "rehash" => _host.TamperAsync(RehashSql(K)),
        "rehash-and-delete-checkpoints" => _host.TamperAsync(RehashSql(K) + $"; delete from audit_checkpoints where sequence >= {K}"),
        "truncate-and-delete-checkpoints" => _host.TamperAsync($"delete from audit_log where id > {K}; delete from audit_checkpoints where sequence > {K}"),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape"),
    };
}

/// <summary>Issue 7 section 2: the registry's own refusal is visible: Critical log, /health Degraded, and a stale head.</summary>
public sealed class AuditChainRefusalTests(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    private readonly CollectingLoggerProvider _logs = new();
    private RegistryHost _host = null!;
    private RegistryFactory _factory = null!;
    private Grpc.Net.Client.GrpcChannel _channel = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await StartIsolatedAsync(postgres, nats);
        var settings = _host.Settings();
        settings["Fabrix:Registry:Audit:CheckpointInterval"] = "00:00:01";
        await _host.Factory.DisposeAsync();
        (_factory, _channel) = _host.Start(settings, services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(_logs));
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task CheckpointService_RowsRehashedAndCheckpointsDeleted_LogsCriticalHealthDegradedAndVerifyReportsStaleHead()
    {
        var admin = new RegistryAdmin.RegistryAdminClient(_channel);
        for (var i = 0; i < 4; i++)
        {
            await admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = TestManifests.Json(TestManifests.NewId("refuse")) }, _host.Manager, cancellationToken: Ct);
        }

        var checkpoints = _factory.Services.GetRequiredService<AuditCheckpoints>();
        // The checkpoint service (every second here) may sign the head first (then this attempt finds nothing to sign):
        // move the head and try again until this test signs it itself.
        var signed = await WaitForAsync(async () =>
        {
            await admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = TestManifests.Json(TestManifests.NewId("refuse")) }, _host.Manager, cancellationToken: Ct);
            return (await checkpoints.WriteIfMovedAsync(Ct)).Checkpoint;
        }, c => c is not null);
        var k = signed!.Sequence - 2;
        await _host.TamperAsync(RehashSql(k) + $"; delete from audit_checkpoints where sequence >= {k}");
        await admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = TestManifests.Json(TestManifests.NewId("refuse")) }, _host.Manager, cancellationToken: Ct);
        using var client = _factory.CreateClient();

        await WaitUntilAsync(async () => await client.GetStringAsync("/health", Ct) == "Degraded");
        var verifier = _factory.Services.GetRequiredService<AuditVerifier>();
        var databaseOnly = await WaitForAsync(() => verifier.VerifyAsync([], compareAnchorStream: false, Ct), r => r.StaleHead);

        Assert.Contains(_logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Critical && e.EventId.Id == 1511
            && e.Message.Contains("Audit chain tampering suspected", StringComparison.Ordinal));
        Assert.True(databaseOnly.RowsAfterLatestCheckpoint > 0);
        Assert.True(databaseOnly.LatestCheckpointAgeSeconds >= 2);
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition) =>
        Eventually.UntilAsync(condition, TimeSpan.FromSeconds(30), "audit condition", Ct);

    private static Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> condition) =>
        Eventually.ForAsync(read, condition, TimeSpan.FromSeconds(30), "audit condition", Ct, every: TimeSpan.FromMilliseconds(200));
}

/// <summary>Critical lines written by the registry under test (what an operator's alerting would page on).</summary>
internal sealed class CollectingLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel Level, Microsoft.Extensions.Logging.EventId EventId, string Message)> _entries = new();

    public IReadOnlyList<(Microsoft.Extensions.Logging.LogLevel Level, Microsoft.Extensions.Logging.EventId EventId, string Message)> Entries => [.. _entries];

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Collector(_entries);

    public void Dispose()
    {
    }

    private sealed class Collector(System.Collections.Concurrent.ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel, Microsoft.Extensions.Logging.EventId, string)> entries)
        : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => entries.Enqueue((logLevel, eventId, formatter(state, exception)));
    }
}

/// <summary>
/// A checkpoint attempt that finds no active signing key creates one (and audits it). A crash after the anchor was
/// published but before the database commit must leave an anchor the next attempt can restore: the key it names and the
/// rows it covers have to be committed before the publish, or every later attempt refuses for good.
/// </summary>
public sealed class AuditCheckpointKeyTests(PostgresServer postgres, NatsServer nats)
{
    [Fact]
    public async Task Checkpoint_CommitLostAfterPublishWithANewSigningKey_RestoredFromTheAnchorNextTime()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var checkpoints = host.Factory.Services.GetRequiredService<AuditCheckpoints>();
        await host.InstallManyAsync(2, "key");
        var first = await host.WriteCheckpointAsync();
        // No active key (the next attempt creates one), and a crash between the publish and the commit: the checkpoint's
        // insert fails after the anchor was published.
        await host.TamperAsync("""
            update signing_keys set retired_at = now() where retired_at is null;
            create function crash_before_commit() returns trigger language plpgsql as $$
            begin raise exception 'crash before the commit'; end $$;
            create trigger crash_before_commit before insert on audit_checkpoints for each row execute function crash_before_commit();
            """);
        await host.InstallManyAsync(1, "key");

        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => checkpoints.WriteIfMovedAsync(Ct));
        await host.TamperAsync("drop trigger crash_before_commit on audit_checkpoints; drop function crash_before_commit()");
        var attempt = await checkpoints.WriteIfMovedAsync(Ct);
        var head = await host.HeadAsync();
        var result = await host.VerifyAsync();

        Assert.Null(attempt.Problem);
        Assert.Equal(CheckpointOutcome.Unchanged, attempt.Outcome);
        Assert.Equal(first.Number + 1, attempt.Checkpoint!.Number);
        Assert.Equal(head, attempt.Checkpoint.Sequence);
        Assert.True(result.Intact, result.Problem);
        Assert.Equal(2L, await host.ScalarAsync<long>("select count(*) from signing_keys"));
    }
}
