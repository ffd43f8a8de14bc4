using System.Text;
using System.Text.Json;
using Fabrix.Contracts.Manifests;

namespace Fabrix.EndToEnd.Tests;

/// <summary>Valid manifests for browser tests: unique ids, so tests never collide on the shared platform.</summary>
internal static class ConsoleManifests
{
    private static readonly string[] Contracts = ["IntegrationPlugin"];
    private static readonly string[] Traits = ["audit_required"];
    private static readonly string[] Classifications = ["internal"];

    public static string UniqueId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    public static string Manifest(string id, string name, string description, IReadOnlyDictionary<string, string>? endpoints = null) =>
        JsonSerializer.Serialize(new
        {
            id,
            name,
            version = "1.0.0",
            description,
            contracts = Contracts,
            traits = Traits,
            dependencies = Array.Empty<string>(),
            allowed_domains = Array.Empty<string>(),
            endpoints = endpoints ?? new Dictionary<string, string> { ["health"] = "/health" },
            security = new { authentication_required = true, data_classification = Classifications },
            compliance = new { audit_level = "basic" },
        });

    /// <summary>
    /// A valid manifest as close to <paramref name="targetBytes"/> as the validator allows (issue 7 section 3: near the
    /// 64 KB manifest bound): the longest description it accepts, then as many endpoints with the longest path it
    /// accepts. Found by asking the validator, so it follows whatever per-field bounds the contract sets.
    /// </summary>
    public static string Large(string id, int targetBytes = 60 * 1024)
    {
        var name = $"Large {id}";
        bool Fits(string manifest) => Encoding.UTF8.GetByteCount(manifest) <= targetBytes && ManifestValidator.Validate(manifest).IsValid;

        var description = Description(Longest(targetBytes, length => Fits(Manifest(id, name, Description(length)))));
        var path = Longest(4096, length => Fits(Manifest(id, name, description, Endpoints(1, length))));
        var count = Longest(1000, n => Fits(Manifest(id, name, description, Endpoints(n, path))));
        var large = Manifest(id, name, description, Endpoints(count, path));
        return Fits(large) ? large : throw new InvalidOperationException($"No valid large manifest for {id}.");
    }

    // The largest value in [0, max] that fits, assuming what fits at a value fits at every smaller one.
    private static int Longest(int max, Func<int, bool> fits)
    {
        var (shortest, longest) = (0, max);
        while (shortest < longest)
        {
            var middle = (shortest + longest + 1) / 2;
            (shortest, longest) = fits(middle) ? (middle, longest) : (shortest, middle - 1);
        }

        return shortest;
    }

    private static Dictionary<string, string> Endpoints(int count, int pathLength)
    {
        var endpoints = new Dictionary<string, string> { ["health"] = "/health" };
        for (var i = 0; i < count; i++)
        {
            var prefix = $"/api/{i}/";
            endpoints[$"endpoint_{i}"] = prefix + new string('r', Math.Max(1, pathLength - prefix.Length));
        }

        return endpoints;
    }

    // Words, as a long description would be (a single unbroken string would test wrapping, not size).
    private static string Description(int length)
    {
        const string Words = "A plugin with a long but valid description that the console must show without breaking. ";
        var text = string.Concat(Enumerable.Repeat(Words, (length / Words.Length) + 1));
        return text[..length].TrimEnd();
    }
}
