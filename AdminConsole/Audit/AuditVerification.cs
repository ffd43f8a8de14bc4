using Fabrix.AdminConsole.Plugins;
using Fabrix.Contracts.Registry.V1;
using MudBlazor;

namespace Fabrix.AdminConsole.Audit;

/// <summary>
/// The registry's verdict on the hash chain (issue 3 §4), in one sentence an auditor can act on, followed by the
/// anchor comparison and a stale head when the registry reports them (issue 7 §2).
/// </summary>
internal static class AuditVerification
{
    public static (Severity Severity, string Text) Describe(VerifyAuditResponse result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var checkpoint = result.LatestCheckpoint is { } latest
            ? result.CheckpointValid
                ? $"checkpoint valid (row {latest.Sequence}, signed {PluginLifecycle.Time(latest.At)}, key {latest.KeyId})"
                : $"checkpoint invalid (row {latest.Sequence}, key {latest.KeyId})"
            : "no signed checkpoint yet";

        var anchors = Anchors(result);
        var stale = result.StaleHead
            ? $" Stale head: {result.RowsAfterLatestCheckpoint} rows after the latest checkpoint, signed {result.LatestCheckpointAgeSeconds / 60} min ago; the registry has stopped signing or checkpoints were deleted."
            : string.Empty;
        if (result.Intact)
        {
            var severity = (result.LatestCheckpoint is not null && !result.CheckpointValid) || result.StaleHead || result.AnchorStreamProblem.Length > 0
                ? Severity.Warning
                : Severity.Success;
            return (severity, $"Intact: {result.RowsChecked} rows checked, {checkpoint}.{anchors}{stale}");
        }

        var where = result.FirstBrokenSequence > 0 ? $"Broken at row {result.FirstBrokenSequence}" : "Broken";
        var problem = string.IsNullOrWhiteSpace(result.Problem) ? "the chain does not verify" : result.Problem.TrimEnd('.');
        return (Severity.Error, $"{where}: {problem}. {result.RowsChecked} rows checked, {checkpoint}.{anchors}{stale}");
    }

    private static string Anchors(VerifyAuditResponse result)
    {
        if (result.AnchorFindings.Count > 0)
        {
            var first = result.AnchorFindings[0];
            return $" {result.AnchorFindings.Count} anchor(s) do not match the database; first: {first.Problem.TrimEnd('.')}.";
        }

        if (result.AnchorStreamChecked)
        {
            return $" All {result.StreamAnchorsCompared} anchors in the anchor stream match.";
        }

        return result.AnchorStreamProblem.Length > 0 ? $" Anchor stream not compared: {result.AnchorStreamProblem.TrimEnd('.')}." : string.Empty;
    }
}
