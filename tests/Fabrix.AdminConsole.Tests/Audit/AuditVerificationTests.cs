using Fabrix.AdminConsole.Audit;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using MudBlazor;

namespace Fabrix.AdminConsole.Tests.Audit;

public sealed class AuditVerificationTests
{
    private static readonly AuditCheckpoint Checkpoint = new()
    {
        Sequence = 40,
        KeyId = "kid-2026-11",
        At = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero)),
    };

    [Fact]
    public void Describe_IntactWithValidCheckpoint_IsASuccess()
    {
        var (severity, text) = AuditVerification.Describe(
            new VerifyAuditResponse { Intact = true, RowsChecked = 42, CheckpointValid = true, LatestCheckpoint = Checkpoint });

        Assert.Equal(Severity.Success, severity);
        Assert.Equal("Intact: 42 rows checked, checkpoint valid (row 40, signed 2026-11-24 08:00:00 UTC, key kid-2026-11).", text);
    }

    [Fact]
    public void Describe_IntactBeforeTheFirstCheckpoint_SaysThereIsNoneYet()
    {
        var (severity, text) = AuditVerification.Describe(new VerifyAuditResponse { Intact = true, RowsChecked = 3 });

        Assert.Equal(Severity.Success, severity);
        Assert.Equal("Intact: 3 rows checked, no signed checkpoint yet.", text);
    }

    [Fact]
    public void Describe_BrokenRow_NamesItAndTheProblem()
    {
        var (severity, text) = AuditVerification.Describe(new VerifyAuditResponse
        {
            Intact = false, RowsChecked = 17, FirstBrokenSequence = 17, Problem = "prev_hash does not link to row 16.",
            CheckpointValid = true, LatestCheckpoint = Checkpoint,
        });

        Assert.Equal(Severity.Error, severity);
        Assert.StartsWith("Broken at row 17: prev_hash does not link to row 16. 17 rows checked", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_TruncatedTail_ReportsTheCheckpointMismatch()
    {
        var (severity, text) = AuditVerification.Describe(new VerifyAuditResponse
        {
            Intact = false, RowsChecked = 35, Problem = "The log has 35 rows but the checkpoint signed 40.",
            CheckpointValid = false, LatestCheckpoint = Checkpoint,
        });

        Assert.Equal(Severity.Error, severity);
        Assert.Equal("Broken: The log has 35 rows but the checkpoint signed 40. 35 rows checked, checkpoint invalid (row 40, key kid-2026-11).", text);
    }

    [Fact]
    public void Describe_AnchorMissingFromDatabase_NamesItPlainly()
    {
        var response = new VerifyAuditResponse
        {
            Intact = false, RowsChecked = 40, FirstBrokenSequence = 40, Problem = "row 40: hash differs from anchored checkpoint 7 (rows rewritten and re-hashed?)",
            CheckpointValid = true, LatestCheckpoint = Checkpoint, AnchorStreamChecked = true, StreamAnchorsCompared = 7,
        };
        response.AnchorFindings.Add(new AuditAnchorFinding
        {
            Source = "anchor_stream", Number = 7, Kind = "missing", Problem = "checkpoint 7 (row 40) is in the anchor stream but missing from the database (deleted?)",
        });

        var (severity, text) = AuditVerification.Describe(response);

        Assert.Equal(Severity.Error, severity);
        Assert.Contains("1 anchor(s) do not match the database; first: checkpoint 7 (row 40) is in the anchor stream but missing from the database (deleted?).", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_StaleHead_WarnsEvenWhenIntact()
    {
        var (severity, text) = AuditVerification.Describe(new VerifyAuditResponse
        {
            Intact = true, RowsChecked = 45, CheckpointValid = true, LatestCheckpoint = Checkpoint, AnchorStreamChecked = true, StreamAnchorsCompared = 3,
            StaleHead = true, RowsAfterLatestCheckpoint = 5, LatestCheckpointAgeSeconds = 1200,
        });

        Assert.Equal(Severity.Warning, severity);
        Assert.EndsWith("All 3 anchors in the anchor stream match. Stale head: 5 rows after the latest checkpoint, signed 20 min ago; the registry has stopped signing or checkpoints were deleted.", text, StringComparison.Ordinal);
    }
}
