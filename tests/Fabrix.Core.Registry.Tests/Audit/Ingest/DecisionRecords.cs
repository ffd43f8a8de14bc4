using Fabrix.Contracts.Audit.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Fabrix.Core.Registry.Tests.Audit.Ingest;

/// <summary>Decision records as a lane writes them, and publishing them to a test registry's decision stream.</summary>
internal static class DecisionRecords
{
    public static DecisionRecord New(string pluginId, Lane lane = Lane.Operator, bool allowed = true, string target = "billing/invoices") => new()
    {
        Id = Guid.CreateVersion7().ToString(),
        At = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        PluginId = pluginId,
        Lane = lane,
        Target = target,
        Action = "forward",
        Outcome = allowed ? DecisionOutcome.Allowed : DecisionOutcome.Refused,
        ReasonCode = allowed ? string.Empty : "not_a_dependency",
        CorrelationId = Guid.NewGuid().ToString("N"),
        Traceparent = $"00-{Guid.NewGuid():N}-{Guid.NewGuid().ToString("N")[..16]}-01",
        Bytes = 1234,
        DurationUs = 5678,
        Service = "core-gateway-test",
    };

    public static IReadOnlyList<DecisionRecord> Many(int count, string pluginId, Lane lane = Lane.Operator) =>
        Enumerable.Range(0, count).Select(i => New(pluginId, lane, allowed: i % 3 != 0)).ToList();

    /// <summary>Publishes each record as a lane does (acknowledged, Nats-Msg-Id = id) once the registry created the stream.</summary>
    public static async Task PublishAsync(this RegistryHost host, IEnumerable<DecisionRecord> records, CancellationToken cancellationToken)
    {
        await using var nats = new NatsConnection(new NatsOpts { Url = host.NatsUrl });
        var js = new NatsJSContext(nats);
        await Fabrix.Testing.Eventually.UntilAsync(async () => await StreamExistsAsync(js, host.IngestStream, cancellationToken), TimeSpan.FromSeconds(30),
            "the registry creates the decision stream", cancellationToken);
        foreach (var chunk in records.Chunk(200))
        {
            await Task.WhenAll(chunk.Select(async record =>
            {
                var ack = await js.PublishAsync($"{host.IngestSubject}.{LaneName(record.Lane)}", record.ToByteArray(),
                    opts: new NatsJSPubOpts { MsgId = record.Id }, cancellationToken: cancellationToken);
                ack.EnsureSuccess();
            }));
        }
    }

    /// <summary>
    /// Publishes <paramref name="records"/> as one batch message, as a lane does when decisions come faster than
    /// acknowledgements (<see cref="Fabrix.Contracts.Audit.DecisionMessages"/>); <paramref name="messageId"/> overrides the batch's id.
    /// </summary>
    public static async Task PublishBatchAsync(this RegistryHost host, IReadOnlyList<DecisionRecord> records, CancellationToken cancellationToken,
        string? messageId = null, string? countHeader = null)
    {
        await using var nats = new NatsConnection(new NatsOpts { Url = host.NatsUrl });
        var js = new NatsJSContext(nats);
        await Fabrix.Testing.Eventually.UntilAsync(async () => await StreamExistsAsync(js, host.IngestStream, cancellationToken), TimeSpan.FromSeconds(30),
            "the registry creates the decision stream", cancellationToken);
        var batch = new DecisionBatch { Records = { records } };
        var headers = new NatsHeaders { [Fabrix.Contracts.Audit.DecisionMessages.BatchHeader] = countHeader ?? records.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var ack = await js.PublishAsync($"{host.IngestSubject}.{LaneName(records[0].Lane)}", batch.ToByteArray(), headers: headers,
            opts: new NatsJSPubOpts { MsgId = messageId ?? Fabrix.Contracts.Audit.DecisionMessages.BatchMessageId(batch) }, cancellationToken: cancellationToken);
        ack.EnsureSuccess();
    }

    /// <summary>Publishes raw bytes on the decision stream (not a record).</summary>
    public static async Task PublishRawAsync(this RegistryHost host, byte[] body, CancellationToken cancellationToken)
    {
        await using var nats = new NatsConnection(new NatsOpts { Url = host.NatsUrl });
        var js = new NatsJSContext(nats);
        var ack = await js.PublishAsync($"{host.IngestSubject}.operator", body, cancellationToken: cancellationToken);
        ack.EnsureSuccess();
    }

    /// <summary>Messages still in the decision stream (work queue: a message leaves once the registry acknowledged it).</summary>
    public static async Task<long> StreamMessagesAsync(this RegistryHost host, CancellationToken cancellationToken)
    {
        await using var nats = new NatsConnection(new NatsOpts { Url = host.NatsUrl });
        var js = new NatsJSContext(nats);
        var stream = await js.GetStreamAsync(host.IngestStream, cancellationToken: cancellationToken);
        return stream.Info.State.Messages;
    }

    public static string LaneName(Lane lane) => lane switch
    {
        Lane.Operator => "operator",
        Lane.Canonical => "canonical",
        _ => "proxy",
    };

    private static async Task<bool> StreamExistsAsync(NatsJSContext js, string name, CancellationToken cancellationToken)
    {
        try
        {
            await js.GetStreamAsync(name, cancellationToken: cancellationToken);
            return true;
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            return false;
        }
    }
}
