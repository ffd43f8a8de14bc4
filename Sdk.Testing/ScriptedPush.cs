using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Webhooks;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Plugins.Sdk.Testing;

/// <summary>
/// Pushes as Core.Events sends them to a plugin whose manifest declares <c>events.delivery: push</c> (issue 11 section
/// 3), to test the plugin's push endpoint without the platform: a canonical event in its CloudEvents JSON, POSTed with
/// the Standard Webhooks headers and signed with the plugin's push secret.
/// </summary>
public static class ScriptedPush
{
    /// <summary>
    /// A canonical event carrying <paramref name="data"/> as Core.Events stamps it (a new id, the type named after the
    /// message, the time, the publishing plugin as source, the data classification) and its CloudEvents JSON body.
    /// </summary>
    /// <param name="data">A canonical message, e.g. <c>UserCreated</c>.</param>
    /// <param name="publisher">The id of the plugin that published it.</param>
    /// <param name="classification">The data classification Core.Events stamped (<c>public</c>, <c>internal</c>, <c>pii</c>, <c>phi</c>).</param>
    /// <param name="timeProvider">The clock of the event's time; the system clock when null.</param>
    public static (string Id, byte[] Body) Event(IMessage data, string publisher = "hr", string classification = "pii", TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var id = Guid.CreateVersion7().ToString();
        var envelope = new CanonicalEvent
        {
            Id = id,
            Source = "fabrix://plugins/" + publisher,
            SpecVersion = "1.0",
            Type = data.Descriptor.FullName,
            Time = Timestamp.FromDateTimeOffset((timeProvider ?? TimeProvider.System).GetUtcNow()),
            Dataclassification = classification,
            Data = Any.Pack(data),
        };
        return (id, Encoding.UTF8.GetBytes(CloudEventJson.Write(envelope)));
    }

    /// <summary>
    /// The POST Core.Events makes: <paramref name="body"/> as <c>application/cloudevents+json</c> with
    /// <c>webhook-id</c> <paramref name="id"/> and <c>webhook-timestamp</c> <paramref name="at"/>, and a
    /// <c>webhook-signature</c> made with <paramref name="secret"/> (a <c>whsec_</c> push secret); unsigned when
    /// <paramref name="secret"/> is null. Send it with a client that has no caller context, as Core.Events does.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="secret"/> is not a <c>whsec_</c> secret.</exception>
    public static HttpRequestMessage Request(Uri requestUri, string id, byte[] body, string? secret, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(body);
        byte[]? key = null;
        if (secret is not null && !WebhookSecret.TryParse(secret, out key))
        {
            throw new ArgumentException("The push secret is not a whsec_ secret.", nameof(secret));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, requestUri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
        var timestamp = at.ToUnixTimeSeconds();
        request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, id);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.Sign(key, id, timestamp, body));
        }

        return request;
    }
}
