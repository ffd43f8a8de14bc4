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
}
