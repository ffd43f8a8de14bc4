using System.Text.Json.Nodes;

namespace Fabrix.Core.Registry.Tests.Infrastructure;

/// <summary>Manifests for tests: seed 004's user-management example under a chosen id.</summary>
public static class TestManifests
{
    public static JsonObject Manifest(string id, string version = "1.0.0", string description = "Manages user profiles and extended attributes") => new()
    {
        ["id"] = id,
        ["name"] = $"Plugin {id}",
        ["version"] = version,
        ["description"] = description,
        ["contracts"] = new JsonArray("IdentityPlugin"),
        ["traits"] = new JsonArray("handles_pii", "audit_required"),
        ["dependencies"] = new JsonArray(),
        ["allowed_domains"] = new JsonArray(),
        ["endpoints"] = new JsonObject { ["health"] = "/health", ["user_info"] = "/api/users/{id}" },
        ["security"] = new JsonObject
        {
            ["authentication_required"] = true,
            ["data_classification"] = new JsonArray("pii", "internal"),
        },
        ["compliance"] = new JsonObject
        {
            ["hipaa_controls"] = new JsonArray("164.312(a)", "164.312(d)"),
            ["audit_level"] = "detailed",
        },
    };

    public static string Json(string id, string version = "1.0.0", string description = "Manages user profiles and extended attributes") =>
        Manifest(id, version, description).ToJsonString();

    /// <summary>Unique plugin id per call, so tests sharing a database never collide.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
}
