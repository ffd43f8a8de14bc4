using System.Text.Json;

namespace Fabrix.Contracts.Manifests;

/// <summary>Network: allowed egress domains and declared endpoints.</summary>
internal sealed partial class ManifestReader
{
    private List<string>? ReadAllowedDomains(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.allowed_domains";
        if (!fields.TryGetValue("allowed_domains", out var element))
        {
            return null;
        }

        var items = ReadStringArray(element, path, ManifestBounds.MaxAllowedDomains, AllowedDomain.MaxLength, "allowed domains");
        if (items is null)
        {
            return null;
        }

        var domains = new List<string>();
        foreach (var (value, itemPath) in items)
        {
            if (value is null)
            {
                continue;
            }

            var problem = AllowedDomain.Problem(value, out var normalized);
            if (problem is not null)
            {
                Error(itemPath, $"The allowed domain '{value}' {problem}.");
            }
            else if (domains.Contains(normalized, StringComparer.Ordinal))
            {
                Error(itemPath, $"The allowed domain '{value}' is listed more than once (names are compared lower-cased).");
            }
            else
            {
                domains.Add(normalized);
            }
        }

        return domains;
    }

    private Dictionary<string, string>? ReadEndpoints(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.endpoints";
        if (!fields.TryGetValue("endpoints", out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"The endpoints must be an object mapping names to paths, but they are {Describe(element)}.");
            return null;
        }

        var count = 0;
        foreach (var _ in element.EnumerateObject())
        {
            count++;
        }

        if (count > ManifestBounds.MaxEndpoints)
        {
            Error(path, $"There are {Count(count)} endpoints; at most {Count(ManifestBounds.MaxEndpoints)} are allowed.");
            return null;
        }

        var endpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var key = PropertyName(property, path, out var entryPath);
            if (key is null)
            {
                continue;
            }

            if (key.Length == 0)
            {
                Error(entryPath, "An endpoint name must not be empty.");
                continue;
            }

            if (ManifestText.CodePointLength(key) > ManifestBounds.MaxEndpointNameLength)
            {
                Error(entryPath, $"An endpoint name may have at most {Count(ManifestBounds.MaxEndpointNameLength)} characters.");
                continue;
            }

            if (!seen.Add(key))
            {
                Error(entryPath, $"The endpoint '{key}' is declared more than once.");
                continue;
            }

            var value = ReadString(property.Value, entryPath, ManifestBounds.MaxPathLength);
            if (value is null)
            {
                continue;
            }

            if (!EndpointTemplate.TryParse(value, out _, out var problem))
            {
                Error(entryPath, $"The endpoint '{key}' {problem}.");
                continue;
            }

            endpoints.Add(key, value);
        }

        return endpoints;
    }
}
