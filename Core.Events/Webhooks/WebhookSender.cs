using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Lanes.Egress;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Webhooks;

/// <summary>One attempt's result: the status (0 without a response), how long it took, a bounded response snippet, the receiver's <c>Retry-After</c>, and the reason code when it failed.</summary>
internal sealed record WebhookAttempt(int Status, TimeSpan Duration, string Response, TimeSpan? RetryAfter, string ReasonCode)
{
    public bool Succeeded => Status is >= 200 and <= 299;
}

/// <summary>
/// Sends one webhook request per Standard Webhooks (issue 11 section 4): <c>POST</c> of the CloudEvents JSON body with
/// <c>webhook-id</c> (the event id), <c>webhook-timestamp</c> (now, Unix seconds) and <c>webhook-signature</c> (one
/// <c>v1,</c> entry per secret: two during a rotation's overlap), signed by the shared <see cref="WebhookSignature"/>.
/// Connections go through <see cref="EgressConnector"/>: the URL's host is resolved once, every address must be public,
/// and the checked address is dialled (no redirects, no proxy). A refused address is a failed attempt whose reason is
/// the egress reason (<c>loopback</c>, <c>private_address</c>, ...).
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    /// <summary>The most characters of a response body kept for the delivery log.</summary>
    public const int MaxSnippet = 512;

    private readonly HttpClient _client;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _timeout;

    public WebhookSender(IOptions<WebhookDeliveryOptions> options, TimeProvider timeProvider, IEgressResolver? resolver = null)
    {
        var value = options.Value;
        var rules = new EgressRules(AllowedDomains: null, DeniedDomains: [], TestAllowance: value.TestAllowance());
        _client = new HttpClient(EgressConnector.CreateHandler(rules, resolver ?? new SystemEgressResolver(), value.ConnectTimeout), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _timeProvider = timeProvider;
        _timeout = value.RequestTimeout;
    }

    public void Dispose() => _client.Dispose();

    public async Task<WebhookAttempt> SendAsync(Uri url, IReadOnlyList<byte[]> keys, string eventId, byte[] body, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var timestamp = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        // A constant, valid value: added as text rather than parsed into a new MediaTypeHeaderValue per request.
        request.Content.Headers.TryAddWithoutValidation("Content-Type", CloudEventJson.MediaType);
        request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, eventId);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.SignAll(keys, eventId, timestamp, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var snippet = await SnippetAsync(response, timeout.Token);
            var status = (int)response.StatusCode;
            return new WebhookAttempt(status, Stopwatch.GetElapsedTime(started), snippet,
                WebhookSchedule.RetryAfter(response.Headers.RetryAfter, _timeProvider.GetUtcNow()),
                status is >= 200 and <= 299 ? string.Empty : Contracts.Errors.RefusalCodes.WebhookDeliveryFailed);
        }
        catch (HttpRequestException exception) when (EgressRefusedException.Find(exception) is { } refused)
        {
            return new WebhookAttempt(0, Stopwatch.GetElapsedTime(started), $"refused: {refused.Decision.Reason} (webhooks reach public addresses only)", null,
                refused.Decision.Reason);
        }
        catch (HttpRequestException exception)
        {
            return new WebhookAttempt(0, Stopwatch.GetElapsedTime(started), Bound($"no response: {exception.Message}"), null, Contracts.Errors.RefusalCodes.WebhookDeliveryFailed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttempt(0, Stopwatch.GetElapsedTime(started), $"no response within {_timeout}", null, Contracts.Errors.RefusalCodes.WebhookDeliveryFailed);
        }
    }

    private static async Task<string> SnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Read at most a few KiB: the receiver decides how long its body is, the delivery log keeps 512 characters.
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxSnippet * 4);
        try
        {
            var read = 0;
            int n;
            while (read < MaxSnippet * 4 && (n = await stream.ReadAsync(buffer.AsMemory(read, (MaxSnippet * 4) - read), cancellationToken)) > 0)
            {
                read += n;
            }

            return Bound(Encoding.UTF8.GetString(buffer, 0, read));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Bound(string text) => text.Length <= MaxSnippet ? text : text[..MaxSnippet];
}
