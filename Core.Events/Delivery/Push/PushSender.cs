using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Webhooks;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Delivery.Push;

/// <summary>One push's result: the plugin's status code (0 without a response) and how long it took.</summary>
internal sealed record PushAttempt(int Status, TimeSpan Duration, string Problem)
{
    public bool Succeeded => Status is >= 200 and <= 299;
}

/// <summary>
/// Sends one push (issue 11 section 3): <c>POST</c> of the event's CloudEvents JSON (<c>application/cloudevents+json</c>)
/// to the plugin's registered address + its <c>events.push_path</c>, signed per Standard Webhooks like outbound
/// webhooks (<see cref="WebhookSignature"/>: <c>webhook-id</c> = the event id, <c>webhook-timestamp</c> = now,
/// <c>webhook-signature</c> = one <c>v1,</c> entry per secret), plus <c>Fabrix-Delivery-Attempt</c>. Plugins are
/// internal services at the address the registry holds for them, which nothing in an event can change, so this does
/// not go through the egress classifier (it would refuse their private addresses); no redirects are followed.
/// </summary>
internal sealed class PushSender : IDisposable
{
    public const string AttemptHeader = "Fabrix-Delivery-Attempt";
    public const string ContentType = "application/cloudevents+json";

    private readonly HttpClient _client;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _timeout;

    public PushSender(IOptions<PushOptions> options, IOptions<DeliveryOptions> delivery, TimeProvider timeProvider)
    {
        var value = options.Value;
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = value.ConnectTimeout,
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        }, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _timeProvider = timeProvider;
        _timeout = value.RequestTimeoutFor(delivery.Value.AckWait);
    }

    public void Dispose() => _client.Dispose();

    public async Task<PushAttempt> SendAsync(Uri url, IReadOnlyList<byte[]> keys, CanonicalEvent evt, int attempt, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var body = CloudEventJson.WriteUtf8(evt);
        var timestamp = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, evt.Id);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.SignAll(keys, evt.Id, timestamp, body));
        request.Headers.TryAddWithoutValidation(AttemptHeader, attempt.ToString(CultureInfo.InvariantCulture));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return new PushAttempt((int)response.StatusCode, Stopwatch.GetElapsedTime(started), string.Empty);
        }
        catch (HttpRequestException exception)
        {
            return new PushAttempt(0, Stopwatch.GetElapsedTime(started), $"no response: {exception.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new PushAttempt(0, Stopwatch.GetElapsedTime(started), $"no response within {_timeout}");
        }
    }
}
