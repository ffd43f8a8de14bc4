using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fabrix.Contracts.Canonical.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Contracts.Canonical;

/// <summary>
/// The JSON form of a canonical event (issue 11 section 1: "publish the JSON representation too"): the CloudEvents 1.0
/// JSON event format, with the Fabrix extension attributes <c>dataclassification</c> and <c>traceparent</c>, and
/// <c>data</c> as the message's protobuf JSON (lowerCamelCase field names, timestamps as RFC 3339):
/// <code>
/// {"specversion":"1.0","id":"…","source":"fabrix://plugins/hr","type":"fabrix.canonical.v1.UserCreated",
///  "time":"2026-12-05T10:00:00Z","datacontenttype":"application/json","dataclassification":"pii",
///  "traceparent":"00-…","data":{"userId":"u-1","displayName":"Ada Lovelace",…}}
/// </code>
/// Non-.NET plugins read and write this; .NET plugins get typed messages from the SDK.
/// </summary>
public static class CloudEventJson
{
    /// <summary>The CloudEvents version.</summary>
    public const string SpecVersion = "1.0";

    /// <summary>The content type of <c>data</c> in the JSON form.</summary>
    public const string JsonContentType = "application/json";

    /// <summary>The media type of a whole event in the JSON form (structured mode).</summary>
    public const string MediaType = "application/cloudevents+json";

    private static readonly JsonParser StrictParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    /// <summary>Writes <paramref name="envelope"/> (whose <c>data</c> is a canonical message) as CloudEvents JSON.</summary>
    public static string Write(CanonicalEvent envelope)
    {
        var buffer = WriteTo(envelope);
        var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Release(buffer);
        return json;
    }

    /// <summary>
    /// Writes <paramref name="envelope"/> as CloudEvents JSON in UTF-8: the same bytes as <see cref="Write"/> encoded,
    /// without the string in between (what a webhook or push body is).
    /// </summary>
    public static byte[] WriteUtf8(CanonicalEvent envelope)
    {
        var buffer = WriteTo(envelope);
        var bytes = buffer.WrittenSpan.ToArray();
        Release(buffer);
        return bytes;
    }

    // One buffer, JSON writer and data writer per thread, reused (nothing between their reset and the caller's copy
    // awaits); one grown past this by a large event is let go rather than kept for the thread's lifetime.
    private const int MaxKeptBuffer = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static StringWriter? t_data;

    private static void Release(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity > MaxKeptBuffer || t_data?.GetStringBuilder().Capacity > MaxKeptBuffer)
        {
            t_buffer = null;
            t_writer = null;
            t_data = null;
        }
    }

    private static ArrayBufferWriter<byte> WriteTo(CanonicalEvent envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var type = CanonicalEventTypes.FindByFullName(envelope.Type) ?? throw new ArgumentException($"'{envelope.Type}' is not a canonical event type.", nameof(envelope));
        // Parsed with the type's own parser: a type registry built per call cost more than the rest of the write.
        var message = envelope.Data is { } data && Any.GetTypeName(data.TypeUrl) == type.FullName
            ? type.Descriptor.Parser.ParseFrom(data.Value)
            : throw new ArgumentException("The envelope's data is not its type.", nameof(envelope));

        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteString("specversion", SpecVersion);
        writer.WriteString("id", envelope.Id);
        writer.WriteString("source", envelope.Source);
        writer.WriteString("type", envelope.Type);
        Span<char> time = stackalloc char[32];
        envelope.Time.ToDateTimeOffset().TryFormat(time, out var timeLength, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
        writer.WriteString("time", time[..timeLength]);
        writer.WriteString("datacontenttype", JsonContentType);
        writer.WriteString("dataclassification", envelope.Dataclassification);
        if (envelope.Traceparent.Length > 0)
        {
            writer.WriteString("traceparent", envelope.Traceparent);
        }

        writer.WritePropertyName("data");
        var dataWriter = t_data ??= new StringWriter(CultureInfo.InvariantCulture);
        var text = dataWriter.GetStringBuilder().Clear();
        Formatter.Format(message, dataWriter);
        if (text.GetChunks() is var chunks && chunks.MoveNext() && chunks.Current.Length == text.Length)
        {
            writer.WriteRawValue(chunks.Current.Span, skipInputValidation: true);
        }
        else
        {
            writer.WriteRawValue(text.ToString(), skipInputValidation: true);
        }

        writer.WriteEndObject();
        writer.Flush();
        return buffer;
    }

    /// <summary>
    /// Reads a payload as the JSON of <paramref name="type"/>, strictly: unknown fields and wrong value types are
    /// errors (a plugin's publish must parse as the type it names). Returns null and an error message when it does not.
    /// </summary>
    public static IMessage? ParsePayload(CanonicalEventType type, string json, out string? error)
    {
        ArgumentNullException.ThrowIfNull(type);
        error = null;
        try
        {
            return StrictParser.Parse(json, type.Descriptor);
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            error = exception.Message;
            return null;
        }
    }

    /// <summary>Reads a whole CloudEvents JSON event back into an envelope (for tests, the SDK's push handler and tooling).</summary>
    public static CanonicalEvent Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || Text(root, "specversion") != SpecVersion)
        {
            throw new FormatException("Not a CloudEvents 1.0 JSON event.");
        }

        var typeName = Text(root, "type") ?? throw new FormatException("The event has no type.");
        var type = CanonicalEventTypes.FindByFullName(typeName) ?? throw new FormatException($"'{typeName}' is not a canonical event type.");
        if (!root.TryGetProperty("data", out var data))
        {
            throw new FormatException("The event has no data.");
        }

        var message = ParsePayload(type, data.GetRawText(), out var error) ?? throw new FormatException($"The data is not a {type.Name}: {error}");
        return new CanonicalEvent
        {
            Id = Text(root, "id") ?? throw new FormatException("The event has no id."),
            Source = Text(root, "source") ?? throw new FormatException("The event has no source."),
            SpecVersion = SpecVersion,
            Type = typeName,
            Time = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(Text(root, "time") ?? throw new FormatException("The event has no time."), CultureInfo.InvariantCulture)),
            Datacontenttype = Text(root, "datacontenttype") ?? JsonContentType,
            Dataclassification = Text(root, "dataclassification") ?? type.Classification,
            Traceparent = Text(root, "traceparent") ?? string.Empty,
            Data = Any.Pack(message),
        };
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
