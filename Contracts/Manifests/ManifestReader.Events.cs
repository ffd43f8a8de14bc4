using System.Text.Json;
using Fabrix.Contracts.Canonical;

namespace Fabrix.Contracts.Manifests;

/// <summary>Events: the canonical types a plugin publishes and subscribes to (issue 11 section 1).</summary>
internal sealed partial class ManifestReader
{
    /// <summary>Types only core publishes (the registry's and Core.Events' own operational events); plugins may subscribe to them.</summary>
    private static readonly HashSet<string> s_corePublishedTypes = new(StringComparer.Ordinal)
    {
        "PluginHealthChanged", "PluginLifecycleChanged", "WebhookEndpointDisabled",
    };

    private ManifestEvents? ReadEvents(Dictionary<string, JsonElement> fields, List<string>? traits)
    {
        const string path = "$.events";
        if (!fields.TryGetValue("events", out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"The events must be an object with 'publishes' and/or 'subscribes', but they are {Describe(element)}.");
            return null;
        }

        var members = Members(element, path, s_eventsFields);
        var publishes = ReadEventTypes(members, "publishes", traits);
        var subscribes = ReadEventTypes(members, "subscribes", traits);
        return new ManifestEvents(publishes, subscribes);
    }

    private List<string> ReadEventTypes(Dictionary<string, JsonElement> members, string name, List<string>? traits)
    {
        var path = JsonPath.Property("$.events", name);
        var types = new List<string>();
        if (!members.TryGetValue(name, out var element))
        {
            return types;
        }

        var items = ReadStringArray(element, path, ManifestBounds.MaxEventTypes, MaxVocabularyLength, "event types");
        foreach (var (value, itemPath) in items ?? [])
        {
            if (value is null)
            {
                continue;
            }

            var type = CanonicalEventTypes.Find(value);
            if (type is null)
            {
                var known = string.Join(", ", CanonicalEventTypes.All.Select(t => t.Name).Order(StringComparer.Ordinal));
                Error(itemPath, $"'{value}' is not a canonical event type. Known types: {known}.");
            }
            else if (types.Contains(value, StringComparer.Ordinal))
            {
                Error(itemPath, $"The event type '{value}' is listed more than once.");
            }
            else if (name == "publishes" && s_corePublishedTypes.Contains(value))
            {
                Error(itemPath, $"'{value}' is published by core only; a plugin may subscribe to it but not publish it.");
            }
            else
            {
                if (traits is not null && type.RequiredTrait is { } trait && !traits.Contains(trait, StringComparer.Ordinal))
                {
                    Error(itemPath, $"'{value}' carries {type.Classification} data: a plugin that {(name == "publishes" ? "publishes" : "receives")} it must declare the trait '{trait}'.");
                }

                types.Add(value);
            }
        }

        return types;
    }
}
