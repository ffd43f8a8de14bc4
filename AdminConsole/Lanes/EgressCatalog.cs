using System.Text.Json;
using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.AdminConsole.Lanes;

/// <summary>
/// What the Egress page needs beyond <see cref="ILaneCatalog"/> (issue 12 section 4): the global deny list, a plugin's
/// Proxy lane mode and quotas, and the Proxy lane's decisions as the audit log holds them. The registry enforces the
/// roles; failures surface as <see cref="RegistryException"/>.
/// </summary>
internal interface IEgressCatalog
{
    Task<IReadOnlyList<DeniedDomain>> ListDeniedAsync(CancellationToken cancellationToken);

    Task<DeniedDomain> DenyAsync(string pattern, string reason, CancellationToken cancellationToken);

    Task RemoveDeniedAsync(string pattern, string reason, CancellationToken cancellationToken);

    /// <summary>Replaces a plugin's Proxy lane override (mode and quotas).</summary>
    Task<PluginLaneLimits> SetProxyLimitsAsync(string pluginId, ProxyLaneLimits limits, string reason, CancellationToken cancellationToken);

    /// <summary>The newest Proxy lane decisions (allowed and refused), newest first.</summary>
    Task<IReadOnlyList<EgressDecisionRow>> RecentAsync(int count, CancellationToken cancellationToken);

    /// <summary>
    /// Per plugin that declares <c>allowed_domains</c> or reached anything lately: its manifest's allowlist beside the
    /// distinct hosts its allowed requests reached within <paramref name="window"/> (from the audit log).
    /// </summary>
    Task<IReadOnlyList<EgressReach>> ReachAsync(TimeSpan window, CancellationToken cancellationToken);
}

/// <summary>One Proxy lane decision from the audit log: the record's fields and the proxy's <c>details.attributes</c>.</summary>
internal sealed record EgressDecisionRow(DateTimeOffset At, string PluginId, string Action, string Target, string Outcome, string Reason,
    string Host, string Ip, string Method, string Status, string Mode)
{
    public bool Allowed => Outcome == "succeeded";

    /// <summary>Reads an audit record of lane <c>proxy</c> (actor <c>plugin:&lt;id&gt;</c>, action <c>lane.proxy.*</c>).</summary>
    public static EgressDecisionRow From(AuditRecord record)
    {
        string Attribute(JsonElement attributes, string name) =>
            attributes.ValueKind == JsonValueKind.Object && attributes.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : string.Empty;

        var attributes = default(JsonElement);
        if (!string.IsNullOrEmpty(record.DetailsJson))
        {
            using var details = JsonDocument.Parse(record.DetailsJson);
            if (details.RootElement.ValueKind == JsonValueKind.Object && details.RootElement.TryGetProperty("attributes", out var found))
            {
                attributes = found.Clone();
            }
        }

        return new EgressDecisionRow(
            record.At?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch,
            record.Actor.StartsWith("plugin:", StringComparison.Ordinal) ? record.Actor["plugin:".Length..] : record.Actor,
            record.Action.StartsWith("lane.proxy.", StringComparison.Ordinal) ? record.Action["lane.proxy.".Length..] : record.Action,
            record.Target,
            record.Outcome,
            record.Reason,
            Attribute(attributes, "host"),
            Attribute(attributes, "ip"),
            Attribute(attributes, "method"),
            Attribute(attributes, "status"),
            Attribute(attributes, "mode"));
    }
}

/// <summary>A plugin's allowlist beside the hosts it actually reached.</summary>
internal sealed record EgressReach(string PluginId, IReadOnlyList<string> AllowedDomains, IReadOnlyList<string> ReachedHosts);

/// <summary><see cref="IEgressCatalog"/> over the registry's <c>PolicyAdmin</c>, <c>AuditLog</c> and plugin services.</summary>
internal sealed class GrpcEgressCatalog(PolicyAdmin.PolicyAdminClient client, RegistryCalls calls, IAuditCatalog audit, IPluginCatalog plugins, TimeProvider time)
    : IEgressCatalog
{
    /// <summary>Audit rows read for the reached hosts: one page (the registry's maximum); a busier window shows its newest rows.</summary>
    private const int ReachPageSize = 500;

    public async Task<IReadOnlyList<DeniedDomain>> ListDeniedAsync(CancellationToken cancellationToken) =>
        (await calls.UnaryAsync(options => client.ListDeniedDomainsAsync(new ListDeniedDomainsRequest(), options).ResponseAsync, cancellationToken)).DeniedDomains;

    public Task<DeniedDomain> DenyAsync(string pattern, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.AddDeniedDomainAsync(new AddDeniedDomainRequest { Pattern = pattern, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public Task RemoveDeniedAsync(string pattern, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(options => client.RemoveDeniedDomainAsync(new RemoveDeniedDomainRequest { Pattern = pattern, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public Task<PluginLaneLimits> SetProxyLimitsAsync(string pluginId, ProxyLaneLimits limits, string reason, CancellationToken cancellationToken) =>
        calls.UnaryAsync(
            options => client.SetLaneLimitsAsync(new SetLaneLimitsRequest { PluginId = pluginId, Proxy = limits, Reason = reason }, options).ResponseAsync,
            cancellationToken);

    public async Task<IReadOnlyList<EgressDecisionRow>> RecentAsync(int count, CancellationToken cancellationToken)
    {
        var page = await audit.QueryAsync(new AuditFilter { Lane = "proxy" }, count, string.Empty, cancellationToken);
        return [.. page.Records.Select(EgressDecisionRow.From)];
    }

    public async Task<IReadOnlyList<EgressReach>> ReachAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        var filter = new AuditFilter { Lane = "proxy", Outcome = "succeeded", From = Timestamp.FromDateTimeOffset(time.GetUtcNow() - window) };
        var page = await audit.QueryAsync(filter, ReachPageSize, string.Empty, cancellationToken);
        var reached = page.Records.Select(EgressDecisionRow.From)
            .Where(r => r.Host.Length > 0)
            .GroupBy(r => r.PluginId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(r => r.Host).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                StringComparer.Ordinal);

        var listed = await plugins.ListPageAsync(new ListPluginsRequest { PageSize = 100 }, cancellationToken);
        var result = new List<EgressReach>();
        foreach (var summary in listed.Plugins.OrderBy(p => p.Id, StringComparer.Ordinal))
        {
            var allowed = summary.Traits.Contains("external_service") || reached.ContainsKey(summary.Id)
                ? AllowedDomains((await plugins.GetAsync(summary.Id, cancellationToken)).ManifestJson)
                : [];
            var hosts = reached.GetValueOrDefault(summary.Id) ?? [];
            if (allowed.Count > 0 || hosts.Count > 0)
            {
                result.Add(new EgressReach(summary.Id, allowed, hosts));
            }
        }

        return result;
    }

    private static IReadOnlyList<string> AllowedDomains(string manifestJson)
    {
        if (string.IsNullOrEmpty(manifestJson))
        {
            return [];
        }

        using var manifest = JsonDocument.Parse(manifestJson);
        return manifest.RootElement.ValueKind == JsonValueKind.Object && manifest.RootElement.TryGetProperty("allowed_domains", out var domains)
            && domains.ValueKind == JsonValueKind.Array
            ? [.. domains.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.String).Select(d => d.GetString()!)]
            : [];
    }
}
