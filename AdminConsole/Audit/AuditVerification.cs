using Fabrix.AdminConsole.Plugins;
using Fabrix.Contracts.Registry.V1;
using MudBlazor;

namespace Fabrix.AdminConsole.Audit;

/// <summary>The registry's verdict on the hash chain (issue 3 §4), in one sentence an auditor can act on.</summary>
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

        if (result.Intact)
        {
            var severity = result.LatestCheckpoint is not null && !result.CheckpointValid ? Severity.Warning : Severity.Success;
            return (severity, $"Intact: {result.RowsChecked} rows checked, {checkpoint}.");
        }

        var where = result.FirstBrokenSequence > 0 ? $"Broken at row {result.FirstBrokenSequence}" : "Broken";
        var problem = string.IsNullOrWhiteSpace(result.Problem) ? "the chain does not verify" : result.Problem.TrimEnd('.');
        return (Severity.Error, $"{where}: {problem}. {result.RowsChecked} rows checked, {checkpoint}.");
    }
}
