using System.Globalization;
using System.Text.Json;

namespace Fabrix.Contracts.Manifests;

/// <summary>JSON plumbing shared by every section: members, strings, arrays, and the text of unknown members.</summary>
internal sealed partial class ManifestReader
{
    /// <summary>The members of an object; duplicate keys are errors and unknown keys warnings.</summary>
    private Dictionary<string, JsonElement> Members(JsonElement element, string path, HashSet<string> known)
    {
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var name = PropertyName(property, path, out var memberPath);
            if (name is null)
            {
                continue;
            }

            if (!members.TryAdd(name, property.Value))
            {
                Error(memberPath, $"The property '{name}' appears more than once; a manifest must be unambiguous.");
            }
            else if (!known.Contains(name))
            {
                Warning(memberPath, $"Unknown property '{name}' is ignored.");
                CheckUnknown(property.Value, memberPath);
            }
        }

        return members;
    }

    private string? PropertyName(JsonProperty property, string parentPath, out string path)
    {
        try
        {
            var name = property.Name;
            if (ManifestText.CodePointLength(name) > ManifestBounds.MaxPropertyNameLength)
            {
                path = parentPath;
                Error(parentPath, $"A property name is longer than {Count(ManifestBounds.MaxPropertyNameLength)} characters.");
                return null;
            }

            if (ManifestText.ControlProblem(name) is { } problem)
            {
                path = parentPath;
                Error(parentPath, "A property name " + problem + ".");
                return null;
            }

            path = JsonPath.Property(parentPath, name);
            return name;
        }
        catch (InvalidOperationException)
        {
            path = parentPath;
            Error(parentPath, "A property name contains invalid Unicode (an unpaired surrogate).");
            return null;
        }
    }

    private bool Required(Dictionary<string, JsonElement> fields, string name, string path, out JsonElement element)
    {
        if (fields.TryGetValue(name, out element))
        {
            return true;
        }

        Error(path, $"The required property '{name}' is missing.");
        return false;
    }

    /// <summary>
    /// A string value, or null after an error: not a string, invalid Unicode, a control character (issue 7 section 4:
    /// refused in every string), or longer than <paramref name="maxLength"/> code points.
    /// </summary>
    private string? ReadString(JsonElement element, string path, int maxLength)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            Error(path, $"Expected a string, but found {Describe(element)}.");
            return null;
        }

        string value;
        try
        {
            value = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            Error(path, "The string contains invalid Unicode (an unpaired surrogate).");
            return null;
        }

        var length = ManifestText.CodePointLength(value);
        if (length > maxLength)
        {
            Error(path, $"The string is {Count(length)} characters long; at most {Count(maxLength)} are allowed here.");
            return null;
        }

        if (ManifestText.ControlProblem(value) is { } problem)
        {
            Error(path, "The string " + problem + ".");
            return null;
        }

        return value;
    }

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>
    /// The values of a member the validator does not know: never interpreted, but still text of the manifest, so
    /// control characters and over-long property names are refused there too (issue 7 section 4).
    /// </summary>
    private void CheckUnknown(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                ReadString(element, path, int.MaxValue);
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckUnknown(item, JsonPath.Index(path, index++));
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (PropertyName(property, path, out var memberPath) is not null)
                    {
                        CheckUnknown(property.Value, memberPath);
                    }
                }

                break;
        }
    }

    /// <summary>
    /// Items of an array of strings with their paths; a null value marks an item that is not a string (or is too long,
    /// or holds a control character). More than <paramref name="maxItems"/> items is one error at the array, and no item
    /// is looked at: the count bound is checked before any per-item work (issue 7 section 3).
    /// </summary>
    private List<(string? Value, string Path)>? ReadStringArray(JsonElement element, string path, int maxItems, int maxItemLength, string itemsName)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            Error(path, $"Expected an array of strings, but found {Describe(element)}.");
            return null;
        }

        var count = element.GetArrayLength();
        if (count > maxItems)
        {
            Error(path, $"There are {Count(count)} {itemsName}; at most {Count(maxItems)} are allowed.");
            return null;
        }

        var items = new List<(string? Value, string Path)>(count);
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var itemPath = JsonPath.Index(path, index++);
            items.Add((ReadString(item, itemPath, maxItemLength), itemPath));
        }

        return items;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
