using System.Security.Cryptography;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Audit.Ingest;
using Fabrix.Core.Registry.Tests.Audit.Ingest;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>
/// The checkpointer checks the rows the registry appended itself against the hashes it wrote
/// (<see cref="AuditWrittenHashes"/>) instead of hashing their contents again; rows it did not write are still hashed
/// from their contents. On real PostgreSQL and NATS, each test on a database of its own.
/// </summary>
public sealed class AuditWrittenHashesTests(PostgresServer postgres, NatsServer nats)
{
    private static string HashOf(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void TryCheck_WrittenHash_MatchesOnlyTheSameLowerCaseHex()
    {
        var hashes = new AuditWrittenHashes();
        var (a, b) = (HashOf("a"), HashOf("b"));
        hashes.Record(10, [a, b]);

        Assert.True(hashes.TryCheck(10, a, out var same) && same);
        Assert.True(hashes.TryCheck(11, a, out var other) && !other);
        Assert.True(hashes.TryCheck(11, b.ToUpperInvariant(), out var capitals) && !capitals);
        Assert.True(hashes.TryCheck(11, "not hex", out var garbage) && !garbage);
        Assert.False(hashes.TryCheck(12, b, out _));
        Assert.False(hashes.TryCheck(9, a, out _));
    }

    [Fact]
    public void Record_BeyondCapacity_LaterRowsNotRememberedUntilForgotten()
    {
        var hashes = new AuditWrittenHashes(capacity: 3);
        hashes.Record(1, [HashOf("1"), HashOf("2"), HashOf("3"), HashOf("4"), "short"]);

        Assert.Equal(3, hashes.Count);
        Assert.False(hashes.TryCheck(4, HashOf("4"), out _));

        hashes.ForgetThrough(2);
        hashes.Record(4, [HashOf("4")]);

        Assert.Equal(2, hashes.Count);
        Assert.False(hashes.TryCheck(2, HashOf("2"), out _));
        Assert.True(hashes.TryCheck(3, HashOf("3"), out var three) && three);
        Assert.True(hashes.TryCheck(4, HashOf("4"), out var four) && four);
    }

    [Fact]
    public async Task Checkpoint_DecisionRowsRewrittenAndRehashedSinceTheLastCheckpoint_RefusesToSign()
    {
        // Rows rewritten and every later hash recomputed (as audit_row_hash does) are consistent in themselves: hashing
        // their contents again cannot tell. The registry remembers what it wrote and refuses.
        await using var host = await StartIsolatedAsync(postgres, nats);
        var signed = await host.WriteCheckpointAsync();
        await AppendAsync(host, 20, "rebuilt");
        var rewritten = signed.Sequence + 5;
        await host.TamperAsync(RehashSql(rewritten));
        var checkpoints = await host.ScalarAsync<long>("select count(*) from audit_checkpoints");

        var attempt = await host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);

        Assert.Equal(CheckpointOutcome.ChainBroken, attempt.Outcome);
        Assert.Contains($"row {rewritten}: hash is not the one the registry wrote", attempt.Problem, StringComparison.Ordinal);
        Assert.Equal(checkpoints, await host.ScalarAsync<long>("select count(*) from audit_checkpoints"));
    }

    [Fact]
    public async Task Checkpoint_RowsTheRegistryDoesNotRemember_ContentsHashedAndAnEditRefused()
    {
        // As after a restart, or rows of another instance: nothing remembered, so contents are hashed again.
        await using var host = await StartIsolatedAsync(postgres, nats);
        var signed = await host.WriteCheckpointAsync();
        await AppendAsync(host, 20, "forgotten");
        host.Factory.Services.GetRequiredService<AuditWrittenHashes>().ForgetThrough(long.MaxValue);
        var edited = signed.Sequence + 7;
        await host.TamperAsync($"update audit_log set reason = 'nothing happened here' where id = {edited}");

        var attempt = await host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);

        Assert.Equal(CheckpointOutcome.ChainBroken, attempt.Outcome);
        Assert.Contains($"row {edited}: hash does not match its contents", attempt.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_RememberedRowContentsEditedHashKept_SignsTheWrittenHashAndVerificationNamesTheRow()
    {
        // The documented trade-off: an edit that leaves the hash alone does not change what a checkpoint signs (the hash
        // the registry wrote), and verification reports the edited row.
        await using var host = await StartIsolatedAsync(postgres, nats);
        var signed = await host.WriteCheckpointAsync();
        await AppendAsync(host, 20, "kept");
        var head = await host.HeadAsync();
        var writtenHead = await host.ScalarAsync<string>($"select hash from audit_log where id = {head}");
        var edited = signed.Sequence + 3;
        await host.TamperAsync($"update audit_log set reason = 'nothing happened here' where id = {edited}");

        var attempt = await host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);
        var verification = await host.VerifyAsync();

        Assert.Equal(CheckpointOutcome.Written, attempt.Outcome);
        Assert.Equal((head, writtenHead), (attempt.Checkpoint!.Sequence, attempt.Checkpoint.HeadHash));
        Assert.False(verification.Intact);
        Assert.Equal(edited, verification.FirstBrokenSequence);
    }

    [Fact]
    public async Task Checkpoint_Written_ForgetsTheRowsItCovers()
    {
        await using var host = await StartIsolatedAsync(postgres, nats);
        var hashes = host.Factory.Services.GetRequiredService<AuditWrittenHashes>();
        await host.WriteCheckpointAsync();
        await AppendAsync(host, 30, "covered");
        var head = await host.HeadAsync();
        Assert.True(hashes.TryCheck(head, await host.ScalarAsync<string>($"select hash from audit_log where id = {head}"), out var matches) && matches);

        var checkpoint = await host.WriteCheckpointAsync();

        Assert.Equal(head, checkpoint.Sequence);
        Assert.Equal(0, hashes.Count);
        Assert.True((await host.VerifyAsync()).Intact);
    }

    private static async Task AppendAsync(RegistryHost host, int count, string plugin)
    {
        var appender = host.Factory.Services.GetRequiredService<DecisionChainAppender>();
        var result = await appender.AppendAsync([.. DecisionRecords.Many(count, plugin).Select(r => DecisionRows.TryMap(r, out _)!)], Ct);
        Assert.Equal(count, result.Appended);
    }
}
