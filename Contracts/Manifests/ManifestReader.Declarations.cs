using System.Text.Json;

namespace Fabrix.Contracts.Manifests;

/// <summary>What the plugin declares it is and needs: contracts, traits, dependencies.</summary>
internal sealed partial class ManifestReader
{
    private List<string>? ReadContracts(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.contracts";
        if (!Required(fields, "contracts", path, out var element))
        {
            return null;
        }

        var items = ReadStringArray(element, path, ManifestBounds.MaxContracts, MaxVocabularyLength, "contracts");
        if (items is null)
        {
            return null;
        }

        if (items.Count == 0)
        {
            Error(path, "At least one contract is required (" + string.Join(", ", ManifestVocabulary.Contracts) + ").");
        }

        var contracts = new List<string>();
        var ok = items.Count > 0;
        foreach (var (value, itemPath) in items)
        {
            if (value is null)
            {
                ok = false;
            }
            else if (!ManifestVocabulary.Contracts.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"Unknown contract '{value}'; expected one of " + string.Join(", ", ManifestVocabulary.Contracts) + ".");
                ok = false;
            }
            else if (contracts.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"The contract '{value}' is listed more than once.");
                ok = false;
            }
            else
            {
                contracts.Add(value);
            }
        }

        return ok ? contracts : null;
    }

    /// <summary>Returns the well-formed, distinct traits (even when others are bad), or null when there is no array.</summary>
    private List<string>? ReadTraits(Dictionary<string, JsonElement> fields)
    {
        const string path = "$.traits";
        if (!Required(fields, "traits", path, out var element))
        {
            return null;
        }

        var items = ReadStringArray(element, path, ManifestBounds.MaxTraits, ManifestBounds.MaxTraitLength, "traits");
        if (items is null)
        {
            return null;
        }

        if (items.Count == 0)
        {
            Error(path, "At least one trait is required (e.g. handles_pii, audit_required).");
        }

        var traits = new List<string>();
        foreach (var (value, itemPath) in items)
        {
            if (value is null)
            {
                continue;
            }

            if (!IsSnakeCase(value))
            {
                Error(itemPath, $"The trait '{value}' must be a snake_case identifier (lowercase letters, digits, single underscores, starting with a letter).");
            }
            else if (ManifestVocabulary.ForbiddenTraits.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"The trait '{value}' is reserved and may not be claimed by a plugin.");
            }
            else if (traits.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"The trait '{value}' is listed more than once.");
            }
            else
            {
                if (!ManifestVocabulary.RuleTraits.Contains(value, StringComparer.Ordinal))
                {
                    Warning(itemPath, $"The trait '{value}' carries no platform rule; it is recorded but not enforced.");
                }

                traits.Add(value);
            }
        }

        return traits;
    }

    internal static bool IsSnakeCase(string value)
    {
        if (value.Length == 0 || !char.IsAsciiLetterLower(value[0]) || value[^1] == '_')
        {
            return false;
        }

        var previousUnderscore = false;
        foreach (var c in value)
        {
            if (c == '_')
            {
                if (previousUnderscore)
                {
                    return false;
                }

                previousUnderscore = true;
            }
            else if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            {
                previousUnderscore = false;
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private List<string>? ReadDependencies(Dictionary<string, JsonElement> fields, string? id)
    {
        const string path = "$.dependencies";
        if (!fields.TryGetValue("dependencies", out var element))
        {
            return null;
        }

        var items = ReadStringArray(element, path, ManifestBounds.MaxDependencies, ManifestBounds.MaxIdLength, "dependencies");
        if (items is null)
        {
            return null;
        }

        var dependencies = new List<string>();
        foreach (var (value, itemPath) in items)
        {
            if (value is null)
            {
                continue;
            }

            var problem = PluginIdProblem(value);
            if (problem is not null)
            {
                Error(itemPath, "The dependency " + problem);
            }
            else if (id is not null && value == id)
            {
                Error(itemPath, $"The plugin '{id}' cannot depend on itself.");
            }
            else if (dependencies.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"The dependency '{value}' is listed more than once.");
            }
            else
            {
                dependencies.Add(value);
            }
        }

        return dependencies;
    }
}
