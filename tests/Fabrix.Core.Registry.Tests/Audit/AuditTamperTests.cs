using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>
/// Issue 3 section 6: edit, delete, reorder and truncate rows directly in PostgreSQL, as an attacker with superuser
/// rights would (triggers off), and see verification name the first broken row. Each test breaks its own database.
/// </summary>
public sealed class AuditTamperTests(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    private RegistryHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await StartIsolatedAsync(postgres, nats);
        await _host.InstallManyAsync(8, "tamper");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Verify_UntouchedLog_IntactWithValidCheckpoint()
    {
        await WriteCheckpointAsync();

        var result = await _host.VerifyAsync();

        Assert.True(result.Intact, result.Problem);
        Assert.True(result.CheckpointValid);
        Assert.Equal(0L, result.FirstBrokenSequence);
        Assert.Equal(string.Empty, result.Problem);
        Assert.True(result.RowsChecked >= 8);
    }

    [Fact]
    public async Task Verify_RowReasonEditedInDatabase_ReportsThatRowAsEdited()
    {
        var target = await _host.HeadAsync() - 3;

        await _host.TamperAsync($"update audit_log set reason = 'nothing happened here' where id = {target}");
        var result = await _host.VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(target, result.FirstBrokenSequence);
        Assert.Equal($"row {target}: hash does not match its contents (edited?)", result.Problem);
        Assert.Equal(target - 1, result.RowsChecked);
    }

    [Fact]
    public async Task Verify_MiddleRowDeleted_ReportsTheNextRowsBrokenLink()
    {
        var deleted = await _host.HeadAsync() - 3;

        await _host.TamperAsync($"delete from audit_log where id = {deleted}");
        var result = await _host.VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(deleted + 1, result.FirstBrokenSequence);
        Assert.Equal($"row {deleted + 1}: prev_hash does not match row {deleted - 1}'s hash (row {deleted} deleted or rows reordered?)", result.Problem);
    }

    [Fact]
    public async Task Verify_TwoRowsSwapped_ReportsTheFirstOfThem()
    {
        var first = await _host.HeadAsync() - 4;

        await _host.TamperAsync($"""
            update audit_log set id = -1 where id = {first};
            update audit_log set id = {first} where id = {first + 1};
            update audit_log set id = {first + 1} where id = -1;
            """);
        var result = await _host.VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(first, result.FirstBrokenSequence);
        Assert.StartsWith($"row {first}: ", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TailDeletedAfterCheckpoint_ReportsTruncationViaTheCheckpoint()
    {
        var checkpoint = await WriteCheckpointAsync();

        await _host.TamperAsync($"delete from audit_log where id > {checkpoint.Sequence - 3}");
        var result = await _host.VerifyAsync();

        Assert.False(result.Intact);
        Assert.False(result.CheckpointValid);
        Assert.Equal(checkpoint.Sequence - 2, result.FirstBrokenSequence);
        Assert.Equal($"checkpoint at row {checkpoint.Sequence} but the log ends at row {checkpoint.Sequence - 3} (tail truncated?)", result.Problem);
        Assert.Equal(checkpoint.Sequence, result.LatestCheckpoint.Sequence);
    }

    [Fact]
    public async Task Checkpoint_AfterTailTruncated_RefusesToBlessTheShorterChain()
    {
        var checkpoint = await WriteCheckpointAsync();
        await _host.TamperAsync($"delete from audit_log where id > {checkpoint.Sequence - 2}");
        await _host.InstallManyAsync(3, "refill");

        var attempt = await _host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);
        var result = await _host.VerifyAsync();

        Assert.Equal(CheckpointOutcome.ChainBroken, attempt.Outcome);
        Assert.Equal(checkpoint.Sequence, result.LatestCheckpoint.Sequence);
        Assert.False(result.Intact);
        Assert.Equal(checkpoint.Sequence, result.FirstBrokenSequence);
        Assert.Contains("hash differs from the signed checkpoint", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_CheckpointRowCountEdited_ReportsInvalidSignature()
    {
        var checkpoint = await WriteCheckpointAsync();

        await _host.TamperAsync("update audit_checkpoints set row_count = row_count + 1 where id = (select max(id) from audit_checkpoints)");
        var result = await _host.VerifyAsync();

        Assert.False(result.Intact);
        Assert.False(result.CheckpointValid);
        Assert.Equal(checkpoint.Sequence, result.FirstBrokenSequence);
        Assert.Contains("invalid signature", result.Problem, StringComparison.Ordinal);
    }

    private async Task<AuditCheckpoint> WriteCheckpointAsync()
    {
        var attempt = await _host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);
        Assert.Contains(attempt.Outcome, (CheckpointOutcome[])[CheckpointOutcome.Written, CheckpointOutcome.Unchanged]);
        Assert.Equal(await _host.HeadAsync(), attempt.Checkpoint!.Sequence);
        return attempt.Checkpoint;
    }
}
