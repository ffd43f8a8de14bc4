using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Registry.Audit;

/// <summary>The last anchor and its stream sequence (the optimistic-concurrency token of the next publish).</summary>
internal sealed record AuditAnchor(AuditCheckpoint Checkpoint, ulong StreamSequence);

/// <summary>
/// The anchor stream (issue 7 section 2): every signed checkpoint is published to a JetStream stream with
/// <c>DenyDelete</c> and <c>DenyPurge</c>, outside the database, so a database superuser who rewrites the audit log and
/// deletes checkpoints cannot make the registry (or verification) forget what it signed. Publishes carry
/// <c>Nats-Expected-Last-Subject-Sequence</c>: two registry instances can never both append checkpoint N. The stream is
/// created at start (idempotent, <see cref="EnsureAsync"/>). Message body: <see cref="AuditAnchorMessage"/> as JSON.
/// </summary>
internal sealed class AuditAnchorStream(INatsConnection nats, IOptions<AuditOptions> options)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly NatsJSContext _js = new(nats);
    private volatile bool _ensured;

    public string StreamName => options.Value.AnchorStream;

    public string Subject => options.Value.AnchorSubject;

    /// <summary>Creates the stream, or updates it to this configuration (idempotent).</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_ensured)
        {
            return;
        }

        using var timeout = Linked(cancellationToken);
        await _js.CreateOrUpdateStreamAsync(new StreamConfig(StreamName, [Subject])
        {
            Description = "Fabrix audit checkpoints (anchors); append-only",
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            // Nothing is ever removed: no age, size or count limit, no message deletion, no purge.
            DenyDelete = true,
            DenyPurge = true,
            AllowRollupHdrs = false,
        }, timeout.Token);
        _ensured = true;
    }

    /// <summary>The last checkpoint in the stream, or null when the stream is empty.</summary>
    public async Task<AuditAnchor?> ReadLastAsync(CancellationToken cancellationToken)
    {
        await EnsureAsync(cancellationToken);
        using var timeout = Linked(cancellationToken);
        var stream = await _js.GetStreamAsync(StreamName, cancellationToken: timeout.Token);
        var last = stream.Info.State.LastSeq;
        if (stream.Info.State.Messages == 0 || last == 0)
        {
            return null;
        }

        await foreach (var anchor in ReadAsync(last, last, timeout.Token))
        {
            return anchor;
        }

        throw new InvalidOperationException($"The anchor stream {StreamName} reports message {last} but did not deliver it.");
    }

    /// <summary>The stream's last sequence (0 when empty): read under the checkpoint lock to fix what verification compares.</summary>
    public async Task<ulong> LastSequenceAsync(CancellationToken cancellationToken)
    {
        await EnsureAsync(cancellationToken);
        using var timeout = Linked(cancellationToken);
        var stream = await _js.GetStreamAsync(StreamName, cancellationToken: timeout.Token);
        return stream.Info.State.Messages == 0 ? 0 : stream.Info.State.LastSeq;
    }

    /// <summary>Every anchor with stream sequence from 1 up to <paramref name="until"/>, oldest first.</summary>
    public IAsyncEnumerable<AuditAnchor> ReadAllAsync(ulong until, CancellationToken cancellationToken) => ReadAsync(1, until, cancellationToken);

    /// <summary>
    /// Appends <paramref name="checkpoint"/>, only if the stream's last anchor is still <paramref name="expectedLast"/>
    /// (0: the stream must be empty). Returns its stream sequence once JetStream acknowledged it as stored.
    /// </summary>
    public async Task<ulong> PublishAsync(AuditCheckpoint checkpoint, ulong expectedLast, CancellationToken cancellationToken)
    {
        await EnsureAsync(cancellationToken);
        using var timeout = Linked(cancellationToken);
        var body = JsonSerializer.SerializeToUtf8Bytes(AuditAnchorMessage.From(checkpoint), AuditAnchorJsonContext.Default.AuditAnchorMessage);
        var headers = new NatsHeaders { ["Nats-Expected-Last-Subject-Sequence"] = expectedLast.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var ack = await _js.PublishAsync(Subject, body, headers: headers,
            opts: new NatsJSPubOpts { MsgId = checkpoint.Hash }, cancellationToken: timeout.Token);
        ack.EnsureSuccess();
        return ack.Seq;
    }

    private async IAsyncEnumerable<AuditAnchor> ReadAsync(ulong from, ulong until, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (until == 0 || from > until)
        {
            yield break;
        }

        var consumer = await _js.CreateOrderedConsumerAsync(StreamName, new NatsJSOrderedConsumerOpts
        {
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = from,
        }, cancellationToken);
        await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: cancellationToken))
        {
            var sequence = message.Metadata?.Sequence.Stream ?? 0;
            var body = JsonSerializer.Deserialize(message.Data, AuditAnchorJsonContext.Default.AuditAnchorMessage)
                ?? throw new InvalidOperationException($"Anchor {sequence} of {StreamName} is empty.");
            yield return new AuditAnchor(body.ToCheckpoint(), sequence);
            if (sequence >= until)
            {
                yield break;
            }
        }
    }

    private static CancellationTokenSource Linked(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(Timeout);
        return source;
    }
}

/// <summary>One anchor message: a signed checkpoint, field for field.</summary>
internal sealed record AuditAnchorMessage(
    long Number,
    long Sequence,
    string HeadHash,
    long RowCount,
    string At,
    string KeyId,
    string? PreviousCheckpointHash,
    int Version,
    string Signature,
    string CheckpointHash)
{
    public static AuditAnchorMessage From(AuditCheckpoint c) =>
        new(c.Number, c.Sequence, c.HeadHash, c.RowCount, AuditChain.FormatTime(c.At), c.KeyId, c.PreviousCheckpointHash, c.Version, c.Signature, c.Hash);

    public AuditCheckpoint ToCheckpoint() => new(Number, Sequence, HeadHash, RowCount,
        DateTimeOffset.Parse(At, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal),
        KeyId, PreviousCheckpointHash, Version, Signature);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AuditAnchorMessage))]
internal sealed partial class AuditAnchorJsonContext : JsonSerializerContext;
