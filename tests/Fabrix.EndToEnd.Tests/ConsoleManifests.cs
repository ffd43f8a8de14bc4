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

    public static string Manifest(string id, string name, string description) => JsonSerializer.Serialize(new
    {
        id,
        name,
        version = "1.0.0",
        description,
        contracts = Contracts,
        traits = Traits,
        dependencies = Array.Empty<string>(),
        allowed_domains = Array.Empty<string>(),
        endpoints = new { health = "/health" },
        security = new { authentication_required = true, data_classification = Classifications },
        compliance = new { audit_level = "basic" },
    });

    /// <summary>
    /// A valid manifest whose description is as long as the validator accepts, up to <paramref name="targetBytes"/> of
    /// manifest: near the registry's manifest bound (issue 7 section 3, 64 KB) without knowing how the bound is split
    /// between the whole manifest and the description field.
    /// </summary>
    public static string Large(string id, int targetBytes = 60 * 1024)
    {
        var shortest = 0;
        var longest = targetBytes;
        while (shortest < longest)
        {
            var length = (shortest + longest + 1) / 2;
            if (ManifestValidator.Validate(Manifest(id, $"Large {id}", Description(length))).IsValid)
            {
                shortest = length;
            }
            else
            {
                longest = length - 1;
            }
        }

        var manifest = Manifest(id, $"Large {id}", Description(shortest));
        return ManifestValidator.Validate(manifest).IsValid
            ? manifest
            : throw new InvalidOperationException($"No valid manifest for {id}: {string.Join("; ", ManifestValidator.Validate(manifest).Errors)}");
    }

    // Words, as a long description would be (a single unbroken string would test wrapping, not size).
    private static string Description(int length)
    {
        const string Words = "A plugin with a long but valid description that the console must show without breaking. ";
        var text = string.Concat(Enumerable.Repeat(Words, (length / Words.Length) + 1));
        return text[..length].TrimEnd();
    }
}
