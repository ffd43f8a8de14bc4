using System.Text;
using Google.Protobuf;
using NATS.Client.Core;

namespace Fabrix.Core.Events.Webhooks;

/// <summary>
/// Answers the registry's requests on one core-only webhook control subject (<c>fabrix.control.webhooks.*</c>, which
/// only the registry may publish to): each request is a protobuf JSON command, each reply the protobuf JSON result
/// (proto field names). A failed subscription is logged and subscribed again a second later; a stop ends the loop.
/// <see cref="WebhookRetryResponder"/> and <see cref="WebhookReplayResponder"/> say what a request does.
/// </summary>
internal abstract class WebhookControlResponder(INatsConnection nats, TimeProvider timeProvider) : BackgroundService
{
    /// <summary>Commands may come from a newer registry: fields this build does not know are ignored.</summary>
    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly JsonFormatter s_json = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    /// <summary>The clock of the pause before subscribing again, and of the responder's own decisions.</summary>
    protected TimeProvider TimeProvider { get; } = timeProvider;

    /// <summary>The control subject this responder answers on.</summary>
    protected abstract string Subject { get; }

    /// <summary>The result to reply to one request (the message's raw data).</summary>
    protected abstract Task<IMessage> AnswerAsync(byte[] request, CancellationToken cancellationToken);

    /// <summary>Logs a failed subscription with the responder's own EventId.</summary>
    protected abstract void LogSubscriptionFailed(Exception exception);

    /// <summary>
    /// The request as a <typeparamref name="TCommand"/>; null, with the <paramref name="problem"/> to answer, when it is
    /// not one (<paramref name="kind"/> names the request in that problem: retry, replay).
    /// </summary>
    protected static TCommand? ParseCommand<TCommand>(byte[] request, string kind, out string problem)
        where TCommand : class, IMessage<TCommand>, new()
    {
        try
        {
            problem = string.Empty;
            return s_parser.Parse<TCommand>(Encoding.UTF8.GetString(request));
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException)
        {
            // Not JSON at all is InvalidJsonException, which is no InvalidProtocolBufferException: left uncaught, it would
            // end the responder's loop (found by WebhookControlResponderTests).
            problem = $"the {kind} request is not a {typeof(TCommand).Name}: {exception.Message}";
            return null;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var message in nats.SubscribeAsync<byte[]>(Subject, cancellationToken: stoppingToken))
                {
                    var result = await AnswerAsync(message.Data ?? [], stoppingToken);
                    await message.ReplyAsync(Encoding.UTF8.GetBytes(s_json.Format(result)), cancellationToken: stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NatsException exception)
            {
                LogSubscriptionFailed(exception);
                await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider, stoppingToken);
            }
        }
    }
}
