using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Fabrix.Core.Registry.Tests.Audit.AuditTestSupport;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>
/// The checkpoint's row count (<c>Fabrix:Registry:Audit:RowCountInterval</c>): a row deleted under the last signed
/// checkpoint, without re-hashing (so that checkpoint's row keeps its hash), shows only in the number of rows up to it.
/// The checkpointer counts them when the interval has passed (and at its first checkpoint after start); in between it
/// carries the signed count forward, and verification names the gap. Each test breaks its own database.
/// </summary>
public sealed class AuditRowCountTests(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    private RegistryHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await StartIsolatedAsync(postgres, nats);
        await _host.InstallManyAsync(6, "count");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Checkpoint_RowDeletedUnderTheLastCheckpointWithinTheInterval_SignsAndVerificationNamesTheGap()
    {
        // The default interval (an hour): the count was taken at this instance's first checkpoint, not again now.
        var checkpoint = await _host.WriteCheckpointAsync();
        var deleted = checkpoint.Sequence - 2;
        await _host.TamperAsync($"delete from audit_log where id = {deleted}");
        await _host.InstallManyAsync(1, "after");

        var attempt = await _host.Factory.Services.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(Ct);
        var head = await _host.HeadAsync();
        var result = await _host.VerifyAsync();

        // Written, or Unchanged when the checkpoint service signed the same head a moment earlier: either way it signed.
        Assert.Contains(attempt.Outcome, (CheckpointOutcome[])[CheckpointOutcome.Written, CheckpointOutcome.Unchanged]);
        Assert.Equal(head, attempt.Checkpoint!.Sequence);
        Assert.Equal(checkpoint.RowCount + 1, attempt.Checkpoint.RowCount);
        Assert.False(result.Intact);
        Assert.Equal(deleted + 1, result.FirstBrokenSequence);
        Assert.StartsWith($"row {deleted + 1}: prev_hash does not match", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_RowDeletedUnderTheLastCheckpointWhenTheCountIsDue_RefusesNamingTheCounts()
    {
        var settings = _host.Settings();
        settings["Fabrix:Registry:Audit:RowCountInterval"] = "00:00:00";
        await _host.Factory.DisposeAsync();
        var (factory, channel) = _host.Start(settings);
        var admin = new RegistryAdmin.RegistryAdminClient(channel);
        var checkpoints = factory.Services.GetRequiredService<AuditCheckpoints>();
        await admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = TestManifests.Json(TestManifests.NewId("count")) }, _host.Manager, cancellationToken: Ct);
        var signed = await checkpoints.WriteIfMovedAsync(Ct);
        Assert.Contains(signed.Outcome, (CheckpointOutcome[])[CheckpointOutcome.Written, CheckpointOutcome.Unchanged]);
        var checkpoint = signed.Checkpoint!;
        await _host.TamperAsync($"delete from audit_log where id = {checkpoint.Sequence - 2}");
        await admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = TestManifests.Json(TestManifests.NewId("after")) }, _host.Manager, cancellationToken: Ct);

        var attempt = await checkpoints.WriteIfMovedAsync(Ct);

        Assert.Equal(CheckpointOutcome.ChainBroken, attempt.Outcome);
        Assert.Equal(
            $"the last signed checkpoint ({checkpoint.Number}) counts {checkpoint.RowCount} rows up to row {checkpoint.Sequence} but the log has {checkpoint.RowCount - 1} (rows deleted?)",
            attempt.Problem);
    }
}
