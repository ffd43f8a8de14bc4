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
        var (delivery, pushPath) = ReadDelivery(members);
        return new ManifestEvents(publishes, subscribes) { Delivery = delivery, PushPath = pushPath };
    }

    /// <summary>
    /// <c>events.delivery</c> (<c>stream</c>, the default, or <c>push</c>) and <c>events.push_path</c>: the path on the
    /// plugin's registered address that Core.Events POSTs deliveries to, required with <c>push</c> and refused without
    /// it (an ignored path would mislead). Validated like the health check path.
    /// </summary>
    private (EventDelivery Delivery, string? PushPath) ReadDelivery(Dictionary<string, JsonElement> members)
    {
        const string deliveryPath = "$.events.delivery";
        const string pushPathPath = "$.events.push_path";
        var delivery = EventDelivery.Stream;
        var deliveryKnown = true;
        if (members.TryGetValue("delivery", out var deliveryElement))
        {
            var text = ReadString(deliveryElement, deliveryPath, MaxVocabularyLength);
            switch (text)
            {
                case "stream":
                    break;
                case "push":
                    delivery = EventDelivery.Push;
                    break;
                case null:
                    deliveryKnown = false;
                    break;
                default:
                    Error(deliveryPath, $"The delivery must be 'stream' (Core.Events' gRPC stream, the default) or 'push' (HTTP POST to events.push_path), but it is '{text}'.");
                    deliveryKnown = false;
                    break;
            }
        }

        string? pushPath = null;
        if (members.TryGetValue("push_path", out var pathElement))
        {
            pushPath = ReadString(pathElement, pushPathPath, ManifestBounds.MaxPathLength);
            if (pushPath is not null && EndpointPath.Problem(pushPath) is { } problem)
            {
                Error(pushPathPath, $"The push path {problem}.");
            }
            else if (pushPath is not null && deliveryKnown && delivery != EventDelivery.Push)
            {
                Error(pushPathPath, "A push path is used only with \"delivery\": \"push\": set the delivery to push, or remove the path.");
            }
        }
        else if (delivery == EventDelivery.Push)
        {
            Error(pushPathPath, "Push delivery needs the path Core.Events POSTs events to, e.g. \"/fabrix/events\".");
        }

        return (delivery, pushPath);
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
