using System.Text;
using Fabrix.Contracts.Events.V1;
using Fabrix.Testing;
using Google.Protobuf;
using NATS.Client.Core;

namespace Fabrix.Core.Events.Tests.Webhooks;

/// <summary>
/// The control-subject loop the retry and replay responders share (WebhookControlResponder), on real NATS: a request on
/// each subject is answered with that responder's protobuf JSON result, and a request that is not the responder's
/// command is answered with a problem naming the command, not dropped.
/// </summary>
public sealed class WebhookControlResponderTests(WebhookPlatform platform) : IClassFixture<WebhookPlatform>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RetrySubject_RequestNotARetryCommand_AnsweredWithTheProblem()
    {
        var reply = await RequestAsync(platform.RetrySubject, "not json");

        var result = s_parser.Parse<WebhookRetryResult>(reply);
        Assert.False(result.Found);
        Assert.StartsWith("the retry request is not a WebhookRetryCommand: ", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplaySubject_RequestNotAReplayCommand_AnsweredWithTheProblem()
    {
        var reply = await RequestAsync(platform.ReplaySubject, "not json");

        var result = s_parser.Parse<WebhookReplayResult>(reply);
        Assert.False(result.Accepted);
        Assert.StartsWith("the replay request is not a WebhookReplayCommand: ", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetrySubject_UnknownEndpoint_AnsweredWithTheResponderResult()
    {
        var command = new WebhookRetryCommand { EndpointId = "whe_" + Guid.NewGuid().ToString("N"), EventId = Guid.NewGuid().ToString(), StreamSequence = 1 };

        var reply = await RequestAsync(platform.RetrySubject, JsonFormatter.Default.Format(command));

        var result = s_parser.Parse<WebhookRetryResult>(reply);
        Assert.Equal($"Core.Events does not know the endpoint {command.EndpointId}.", result.Problem);
    }

    /// <summary>Sends <paramref name="body"/> as the registry does; retried until the responder has subscribed.</summary>
    private async Task<string> RequestAsync(string subject, string body)
    {
        await using var nats = new NatsConnection(new NatsOpts { Url = platform.NatsUrl });
        return await Eventually.ForAsync(async () =>
        {
            try
            {
                var reply = await nats.RequestAsync<byte[], byte[]>(subject, Encoding.UTF8.GetBytes(body),
                    replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(10) }, cancellationToken: Ct);
                return Encoding.UTF8.GetString(reply.Data ?? []);
            }
            catch (NatsNoRespondersException)
            {
                return null;
            }
        }, reply => reply is not null, Within, $"a reply on {subject}", Ct) ?? string.Empty;
    }
}
