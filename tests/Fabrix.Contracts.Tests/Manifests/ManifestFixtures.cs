using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fabrix.Contracts.Tests.Manifests;

/// <summary>The manifests under <c>Fixtures/</c> and small edits of them.</summary>
internal static class ManifestFixtures
{
    /// <summary>Seed 004's example (user-management, IdentityPlugin).</summary>
    public const string UserManagement = "user-management";

    /// <summary>Every optional section and every trait with a rule.</summary>
    public const string ClaimsGateway = "claims-gateway";

    /// <summary>Only what is required, no trait with a rule.</summary>
    public const string Echo = "echo";

    public static string Text(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Manifests", "Fixtures", name + ".json"));

    /// <summary>
    /// Sets a dotted path (<c>security.data_classification</c>) to a JSON literal, creating objects on the way;
    /// a null literal text removes the member.
    /// </summary>
    public static string Edit(string name, params (string Path, string? Json)[] edits)
    {
        var root = JsonNode.Parse(Text(name))!.AsObject();
        foreach (var (path, json) in edits)
        {
            var segments = path.Split('.');
            var target = root;
            foreach (var segment in segments[..^1])
            {
                if (target[segment] is not JsonObject next)
                {
                    next = [];
                    target[segment] = next;
                }

                target = next;
            }

            if (json is null)
            {
                target.Remove(segments[^1]);
            }
            else
            {
                target[segments[^1]] = JsonNode.Parse(json);
            }
        }

        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public static string Quote(string value) => JsonSerializer.Serialize(value);
}
