using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>Plugin summaries and manifests for tests.</summary>
internal static class Plugins
{
    public static PluginSummary Summary(
        string id, PluginStatus status, string? name = null, string[]? contracts = null, string[]? traits = null) =>
        new()
        {
            Id = id,
            Name = name ?? $"{id} plugin",
            Version = "1.0.0",
            Status = status,
            Health = HealthState.Unknown,
            InstalledAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero)),
            Contracts = { contracts ?? ["IdentityPlugin"] },
            Traits = { traits ?? ["audit_required"] },
            AllowedActions = { AllowedActions(status) },
        };

    /// <summary>What the registry's lifecycle table allows from <paramref name="status"/>, as it sends it on every summary.</summary>
    public static PluginAction[] AllowedActions(PluginStatus status) => status switch
    {
        PluginStatus.Installed => [PluginAction.Uninstall],
        PluginStatus.Registered => [PluginAction.Enable, PluginAction.Unregister],
        PluginStatus.Active => [PluginAction.Disable, PluginAction.Unregister],
        PluginStatus.Disabled => [PluginAction.Enable, PluginAction.Unregister],
        PluginStatus.Unregistered => [PluginAction.Uninstall],
        _ => [],
    };

    /// <summary>The seed's user-management manifest (seed 004), valid.</summary>
    public const string ValidManifest = """
        {
          "id": "user-management",
          "name": "User Management Plugin",
          "version": "1.0.0",
          "description": "Manages user profiles and extended attributes",
          "contracts": ["IdentityPlugin"],
          "traits": ["handles_pii", "audit_required"],
          "dependencies": [],
          "allowed_domains": [],
          "endpoints": { "health": "/health", "user_info": "/api/users/{id}" },
          "security": { "authentication_required": true, "data_classification": ["pii", "internal"] },
          "compliance": { "hipaa_controls": ["164.312(a)", "164.312(d)"], "audit_level": "detailed" }
        }
        """;
}
