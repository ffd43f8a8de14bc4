using System.Diagnostics.Metrics;

namespace Fabrix.Core.Lanes.Tokens;

/// <summary>
/// Meter <c>Fabrix.Core.Lanes.Tokens</c>: checks by outcome (<c>cached</c>, <c>validated</c>, <c>refused</c> with its
/// code) and JWKS fetches by outcome. Instruments record only when someone listens.
/// </summary>
internal sealed class PluginTokenMetrics
{
    public const string MeterName = "Fabrix.Core.Lanes.Tokens";
    public const string ChecksName = "fabrix.lanes.tokens.checks";
    public const string KeyFetchesName = "fabrix.lanes.tokens.key_fetches";

    private readonly Counter<long> _checks;
    private readonly Counter<long> _keyFetches;

    public PluginTokenMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _checks = meter.CreateCounter<long>(ChecksName, "{check}", "Plugin token checks, by outcome: cached (no signature check), validated (full check), refused (with its code).");
        _keyFetches = meter.CreateCounter<long>(KeyFetchesName, "{fetch}", "Fetches of the registry's JWKS document, by outcome.");
    }

    public void Cached()
    {
        if (_checks.Enabled)
        {
            _checks.Add(1, new KeyValuePair<string, object?>("outcome", "cached"));
        }
    }

    public void Validated()
    {
        if (_checks.Enabled)
        {
            _checks.Add(1, new KeyValuePair<string, object?>("outcome", "validated"));
        }
    }

    public void Refused(PluginTokenRefusalCode code)
    {
        if (_checks.Enabled)
        {
            _checks.Add(1, new KeyValuePair<string, object?>("outcome", "refused"), new KeyValuePair<string, object?>("code", CodeNames[(int)code]));
        }
    }

    public void KeysFetched(bool succeeded)
    {
        if (_keyFetches.Enabled)
        {
            _keyFetches.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "failed"));
        }
    }

    // Names computed once, so tagging a refusal does not format an enum per call.
    private static readonly string[] CodeNames = BuildCodeNames();

    private static string[] BuildCodeNames()
    {
        var values = Enum.GetValues<PluginTokenRefusalCode>();
        var names = new string[values.Max(v => (int)v) + 1];
        foreach (var value in values)
        {
            names[(int)value] = value.ToString();
        }

        return names;
    }
}
