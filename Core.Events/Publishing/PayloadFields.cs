using System.Collections;
using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Core.Events.Publishing;

/// <summary>
/// What a binary parse does not check in a canonical payload (issue 11 section 2, "the payload parses as that type"):
/// every <c>google.protobuf.Timestamp</c> and <c>Duration</c> must be one the well-known type allows (a Timestamp
/// between 0001-01-01 and 9999-12-31 with nanos 0–999,999,999), or its JSON form (webhooks, push, dead letters) cannot
/// be written and the event could never be delivered. Also tells whether the payload's received length can be trusted
/// to reveal unknown fields: a negative int32 or enum value may arrive as a 5-byte varint, shorter than the 10 bytes
/// the message writes, which would leave room for 5 bytes of unknown fields at the same total length.
/// </summary>
internal static class PayloadFields
{
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;
    private const long MaxDurationSeconds = 315_576_000_000;

    // Per message type, only the fields that can need a look: messages (nested, well-known) and int32/enum values.
    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor[]> s_fields = new();

    /// <summary>The first invalid value as "field.path: why", or null; <paramref name="lengthRevealsUnknownFields"/> false when a value may be shortened.</summary>
    public static string? Check(IMessage message, out bool lengthRevealsUnknownFields)
    {
        lengthRevealsUnknownFields = true;
        return Check(message, null, ref lengthRevealsUnknownFields);
    }

    private static string? Check(IMessage message, string? path, ref bool lengthRevealsUnknownFields)
    {
        switch (message)
        {
            case Timestamp timestamp:
                return timestamp.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || timestamp.Nanos is < 0 or > 999_999_999
                    ? $"{path}: not a valid timestamp (seconds {timestamp.Seconds}, nanos {timestamp.Nanos}; 0001-01-01 to 9999-12-31, nanos 0-999999999)"
                    : null;
            case Duration duration:
                return duration.Seconds is < -MaxDurationSeconds or > MaxDurationSeconds || duration.Nanos is < -999_999_999 or > 999_999_999
                    || (duration.Seconds != 0 && duration.Nanos != 0 && (duration.Seconds < 0) != (duration.Nanos < 0))
                    ? $"{path}: not a valid duration (seconds {duration.Seconds}, nanos {duration.Nanos})"
                    : null;
        }

        foreach (var field in s_fields.GetOrAdd(message.Descriptor, static d => [.. d.Fields.InFieldNumberOrder().Where(Inspected)]))
        {
            var name = path is null ? field.Name : $"{path}.{field.Name}";
            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                var i = 0;
                foreach (var item in (IEnumerable)value)
                {
                    if (CheckValue(field, item, $"{name}[{i++}]", ref lengthRevealsUnknownFields) is { } error)
                    {
                        return error;
                    }
                }
            }
            else if (CheckValue(field, value, name, ref lengthRevealsUnknownFields) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static bool Inspected(FieldDescriptor field) =>
        !field.IsMap && field.FieldType is FieldType.Message or FieldType.Group or FieldType.Int32 or FieldType.Enum;

    private static string? CheckValue(FieldDescriptor field, object? value, string path, ref bool lengthRevealsUnknownFields)
    {
        switch (field.FieldType)
        {
            case FieldType.Message or FieldType.Group:
                return value is IMessage nested ? Check(nested, path, ref lengthRevealsUnknownFields) : null;
            case FieldType.Int32 or FieldType.Enum:
                if (value is not null && Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) < 0)
                {
                    lengthRevealsUnknownFields = false;
                }

                return null;
            default:
                return null;
        }
    }
}
