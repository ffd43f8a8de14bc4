using System.Collections.Frozen;
using Fabrix.Contracts.Canonical.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Fabrix.Contracts.Canonical;

/// <summary>One canonical event type (issue 11 section 1).</summary>
/// <param name="Name">The short name a manifest uses in <c>events.publishes</c>/<c>events.subscribes</c>, e.g. <c>UserCreated</c>.</param>
/// <param name="Descriptor">The message's descriptor.</param>
/// <param name="Classification">The data classification the message declares, as the manifest spells it (<c>pii</c>, ...).</param>
public sealed record CanonicalEventType(string Name, MessageDescriptor Descriptor, string Classification)
{
    /// <summary>The CloudEvents <c>type</c>: the message's full name, e.g. <c>fabrix.canonical.v1.UserCreated</c>.</summary>
    public string FullName => Descriptor.FullName;

    /// <summary>The trait a plugin needs to publish or receive this type: <c>handles_pii</c>, <c>handles_phi</c>, or null.</summary>
    public string? RequiredTrait => Classification switch
    {
        "pii" => "handles_pii",
        "phi" => "handles_phi",
        _ => null,
    };

    /// <summary>True when a plugin with <paramref name="traits"/> may publish or receive this type.</summary>
    public bool AllowedFor(IEnumerable<string> traits) => RequiredTrait is not { } trait || traits.Contains(trait, StringComparer.Ordinal);
}

/// <summary>
/// The catalogue of canonical event types, read from <c>fabrix/canonical/v1/canonical.proto</c>: every message there except
/// the envelope, each with the classification its <c>(classification)</c> option declares. The one place the manifest
/// validator, Core.Events and the SDK learn which types exist.
/// </summary>
public static class CanonicalEventTypes
{
    private static readonly FrozenDictionary<string, CanonicalEventType> ByName = Build();
    private static readonly FrozenDictionary<string, CanonicalEventType> ByFullName = ByName.Values.ToFrozenDictionary(t => t.FullName, StringComparer.Ordinal);

    /// <summary>Every type, by short name.</summary>
    public static IReadOnlyCollection<CanonicalEventType> All => ByName.Values;

    /// <summary>The type with short name <paramref name="name"/> (<c>UserCreated</c>), or null.</summary>
    public static CanonicalEventType? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The type with CloudEvents type <paramref name="fullName"/> (<c>fabrix.canonical.v1.UserCreated</c>), or null.</summary>
    public static CanonicalEventType? FindByFullName(string fullName) => ByFullName.GetValueOrDefault(fullName);

    /// <summary>The type of a message instance, or null when it is not a canonical event.</summary>
    public static CanonicalEventType? Of(IMessage message) => FindByFullName(message.Descriptor.FullName);

    private static FrozenDictionary<string, CanonicalEventType> Build()
    {
        var types = new Dictionary<string, CanonicalEventType>(StringComparer.Ordinal);
        foreach (var descriptor in CanonicalReflection.Descriptor.MessageTypes)
        {
            if (descriptor.ClrType == typeof(CanonicalEvent))
            {
                continue;
            }

            var classification = descriptor.GetOptions()?.GetExtension(CanonicalExtensions.Classification) ?? DataClassification.Unspecified;
            if (classification == DataClassification.Unspecified)
            {
                throw new InvalidOperationException($"Canonical message {descriptor.FullName} declares no (classification) option.");
            }

            types.Add(descriptor.Name, new CanonicalEventType(descriptor.Name, descriptor, Spell(classification)));
        }

        return types.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The manifest spelling of a classification (<c>pii</c>, <c>phi</c>, ...).</summary>
    public static string Spell(DataClassification classification) => classification switch
    {
        DataClassification.Public => "public",
        DataClassification.Internal => "internal",
        DataClassification.Confidential => "confidential",
        DataClassification.Pii => "pii",
        DataClassification.Phi => "phi",
        _ => throw new ArgumentOutOfRangeException(nameof(classification), classification, "No classification."),
    };
}
