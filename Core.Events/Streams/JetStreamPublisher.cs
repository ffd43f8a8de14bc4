using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Google.Protobuf;
using NATS.Client.Core;

namespace Fabrix.Core.Events.Streams;

/// <summary>A message to store in JetStream: its subject, its bytes and its <c>Nats-Msg-Id</c> (the duplicate window's key).</summary>
internal readonly record struct JetStreamMessage(string Subject, IMessage Data, string MessageId);

/// <summary>Writes a protobuf message straight into the connection's write buffer (no byte array per message).</summary>
internal sealed class ProtobufNatsSerializer : INatsSerialize<IMessage>
{
    public static ProtobufNatsSerializer Instance { get; } = new();

    public void Serialize(IBufferWriter<byte> bufferWriter, IMessage value) => value.WriteTo(bufferWriter);
}

/// <summary>What became of one <see cref="JetStreamMessage"/>: stored (sequence, duplicate) or not, and why.</summary>
internal readonly record struct JetStreamAck(JetStreamAckStatus Status, ulong Sequence, bool Duplicate, string? Error)
{
    public static JetStreamAck TimedOut { get; } = new(JetStreamAckStatus.TimedOut, 0, false, "JetStream did not acknowledge it in time");

    public static JetStreamAck NotSent { get; } = new(JetStreamAckStatus.NotSent, 0, false, "the deadline passed before it was sent");

    public static JetStreamAck Unavailable(string error) => new(JetStreamAckStatus.Unavailable, 0, false, error);

    public static JetStreamAck Refused(string error) => new(JetStreamAckStatus.Refused, 0, false, error);
}

internal enum JetStreamAckStatus
{
    /// <summary>Not answered yet (only inside <see cref="JetStreamPublisher"/>).</summary>
    None,

    /// <summary>JetStream acknowledged it: it is stored (or was stored before, <see cref="JetStreamAck.Duplicate"/>).</summary>
    Stored,

    /// <summary>JetStream answered with an error (for example a full stream).</summary>
    Refused,

    /// <summary>No stream answered (no responders), or the message could not be sent.</summary>
    Unavailable,

    /// <summary>Sent, and no answer before the deadline: it may or may not be stored.</summary>
    TimedOut,

    /// <summary>Never written to the connection (the deadline passed first): JetStream never saw it, nothing is stored.</summary>
    NotSent,
}

/// <summary>
/// Publishes to JetStream and waits for the acknowledgements through ONE reply subscription of its own
/// (<c>_INBOX.fabrix-acks.&lt;random&gt;.&lt;n&gt;</c>), read on the connection's read loop, with one deadline per call however many
/// messages it carries. What the library's <c>NatsJSContext.PublishAsync</c> does per message instead (a reply task,
/// a timeout timer and a cancellation registration, and a thread-pool hop to complete each) was the largest fixed cost
/// of Core.Events' batched publishes (benchmarks/README.md, "Measured — eleventh session"). The semantics are the
/// library's: a message counts as stored only after JetStream's acknowledgement named its sequence.
/// </summary>
/// <remarks>
/// <para>The messages of one call are written to the connection in order by ONE writer loop that serves every call of
/// several messages (callers queue their call and wait; a call of one message writes it itself); the call's task completes (on the thread pool) when every message was answered
/// or the deadline passed, so a batch of 50 costs one continuation, not 50. One writer because NATS.Net's command
/// writer takes a lock per message: with concurrent calls writing message by message, the contended path (an async
/// wait with a timeout timer per message) was a tenth of Core.Events' CPU in the batched benchmark (benchmarks/README.md,
/// "Measured — thirteenth session"). A call whose deadline passed before the writer reached it is not written at all
/// (its messages are <see cref="JetStreamAckStatus.NotSent"/>: nothing stored).</para>
/// <para>An answer that comes after its call gave up is dropped (the call reported <see cref="JetStreamAckStatus.TimedOut"/>:
/// "may be stored", which is why publishers retry with an idempotency key). The subscription is NATS.Net's own
/// (<see cref="NatsSubBase"/>), so the library renews it after a reconnect.</para>
/// </remarks>
internal sealed class JetStreamPublisher(INatsConnection nats) : IAsyncDisposable
{
    private const string MessageIdHeader = "Nats-Msg-Id";
    private readonly ConcurrentDictionary<long, PendingAck> _pending = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Channel<WriteJob> _writes = Channel.CreateUnbounded<WriteJob>(new UnboundedChannelOptions { SingleReader = true });
    private AckSubscription? _subscription;
    private Task? _writer;
    private long _next;

    /// <summary>Messages sent and not yet answered (for tests and diagnostics).</summary>
    public int Pending => _pending.Count;

    /// <summary>
    /// Publishes <paramref name="messages"/> and returns one <see cref="JetStreamAck"/> each, in order, once every one was
    /// answered or <paramref name="cancellationToken"/> was cancelled (the deadline: what was not answered by then is
    /// <see cref="JetStreamAckStatus.TimedOut"/>). It does not throw on cancellation; the caller tells its own token apart.
    /// </summary>
    public async Task<JetStreamAck[]> PublishAsync(IReadOnlyList<JetStreamMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var batch = new AckBatch(messages.Count);
        if (messages.Count == 0)
        {
            return batch.Results;
        }

        AckSubscription subscription;
        try
        {
            subscription = await SubscribeAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return [.. messages.Select(_ => JetStreamAck.NotSent)];
        }
        catch (NatsException exception)
        {
            return [.. messages.Select(_ => JetStreamAck.Unavailable(exception.Message))];
        }

        var first = Interlocked.Add(ref _next, messages.Count) - messages.Count;
        for (var i = 0; i < messages.Count; i++)
        {
            _pending[first + i] = new PendingAck(batch, i);
        }

        var job = new WriteJob(messages, first, subscription, cancellationToken);
        try
        {
            if (messages.Count == 1)
            {
                // One message is written from the caller's thread: handing it to the writer would cost a thread hop per
                // call, more than the lock it saves (the unbatched benchmark lost a tenth of its rate that way).
                await WriteAsync(job);
            }
            else if (!_writes.Writer.TryWrite(job))
            {
                for (var i = 0; i < messages.Count; i++)
                {
                    Complete(first + i, JetStreamAck.Unavailable("the publisher is shutting down"));
                }
            }

            await batch.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The deadline (or the caller's token): what is still unanswered is reported as timed out below.
        }
        finally
        {
            // What the writer took up may have been written (an answer may still come, and be dropped): timed out, outcome
            // unknown. What it had not taken up it never will: not sent.
            var claimed = job.Close();
            for (var i = 0; i < messages.Count; i++)
            {
                Complete(first + i, i < claimed ? JetStreamAck.TimedOut : JetStreamAck.NotSent);
            }
        }

        // Every slot is completed by now or is being completed by the read loop, which removed it a moment ago.
        await batch.Task;
        return batch.Results;
    }

    public async ValueTask DisposeAsync()
    {
        // Queued calls are written or, past their deadline, skipped; then the loop ends.
        _writes.Writer.TryComplete();
        if (_writer is { } writer)
        {
            await writer;
        }

        if (_subscription is { } subscription)
        {
            await subscription.DisposeAsync();
        }

        _gate.Dispose();
    }

    /// <summary>
    /// The one writer: writes each queued call's messages in order, with the call's reply subjects. A message that cannot
    /// be written completes its slot as unavailable; a call whose deadline has passed is left (its slots are completed as
    /// timed out by the call). Never throws: one call's failure must not stop the others'.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        var reader = _writes.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var job))
            {
                await WriteAsync(job);
            }
        }
    }

    /// <summary>
    /// Writes one call's messages in order, until its deadline or until the call closed the job; a message that cannot be
    /// written completes as unavailable. Each message is claimed before it is written (<see cref="WriteJob.TryClaim"/>), so
    /// the call can tell the messages that may have been sent from those that never will be.
    /// </summary>
    private async ValueTask WriteAsync(WriteJob job)
    {
        for (var i = 0; i < job.Messages.Count && !job.Deadline.IsCancellationRequested && job.TryClaim(i); i++)
        {
            var message = job.Messages[i];
            var headers = new NatsHeaders { [MessageIdHeader] = message.MessageId };
            try
            {
                await nats.PublishAsync(message.Subject, message.Data, headers, job.Subscription.ReplyTo(job.First + i), ProtobufNatsSerializer.Instance,
                    cancellationToken: job.Deadline);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception exception)
            {
                Complete(job.First + i, JetStreamAck.Unavailable(exception.Message));
            }
        }
    }

    /// <summary>Completes the slot of reply number <paramref name="id"/> if it still waits (whoever removes it completes it).</summary>
    private void Complete(long id, JetStreamAck ack)
    {
        if (_pending.TryRemove(id, out var pending))
        {
            pending.Batch.Complete(pending.Index, ack);
        }
    }

    private async ValueTask<AckSubscription> SubscribeAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _subscription) is { } subscription)
        {
            return subscription;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_subscription is null)
            {
                if (nats is not NatsConnection connection)
                {
                    throw new InvalidOperationException($"{nameof(JetStreamPublisher)} needs a {nameof(NatsConnection)}.");
                }

                // Not connection.NewInbox(): that names a subject under the connection's own request inbox, which NATS.Net
                // routes to its request muxer by exact subject, so a wildcard subscription there never receives anything.
                var created = new AckSubscription(this, connection, $"{connection.Opts.InboxPrefix}.fabrix-acks.{Guid.NewGuid():N}");
                await connection.AddSubAsync(created, cancellationToken);
                _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
                Volatile.Write(ref _subscription, created);
            }

            return _subscription;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Reads a JetStream publish acknowledgement: <c>{"stream":"S","seq":12,"duplicate":true}</c>, or
    /// <c>{"error":{"code":503,"err_code":10077,"description":"..."}}</c>. Internal for tests.
    /// </summary>
    internal static JetStreamAck ReadAck(ReadOnlySequence<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return JetStreamAck.Unavailable("JetStream's acknowledgement is not a JSON object");
            }

            ulong? sequence = null;
            var duplicate = false;
            string? error = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("seq"u8))
                {
                    reader.Read();
                    sequence = reader.GetUInt64();
                }
                else if (reader.ValueTextEquals("duplicate"u8))
                {
                    reader.Read();
                    duplicate = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    error = ReadError(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return error is not null ? JetStreamAck.Refused(error)
                : sequence is { } seq ? new JetStreamAck(JetStreamAckStatus.Stored, seq, duplicate, null)
                : JetStreamAck.Unavailable("JetStream's acknowledgement names no sequence");
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            return JetStreamAck.Unavailable($"JetStream's acknowledgement is unreadable: {exception.Message}");
        }
    }

    /// <summary>The status line of a reply that carries only headers (<c>NATS/1.0 503</c>: no responders), or null.</summary>
    internal static string? ReadStatus(ReadOnlySequence<byte> headers)
    {
        Span<byte> line = stackalloc byte[64];
        var length = (int)Math.Min(line.Length, headers.Length);
        headers.Slice(0, length).CopyTo(line);
        var end = line[..length].IndexOf("\r\n"u8);
        var status = Encoding.ASCII.GetString(end < 0 ? line[..length] : line[..end]);
        return status.StartsWith("NATS/1.0 ", StringComparison.Ordinal) && status.Length > "NATS/1.0 ".Length ? status["NATS/1.0 ".Length..].Trim() : null;
    }

    private static string ReadError(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return "JetStream answered an error";
        }

        string? code = null;
        string? description = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = reader.TokenType == JsonTokenType.Number ? reader.GetInt32().ToString(CultureInfo.InvariantCulture) : null;
            }
            else if (reader.ValueTextEquals("description"u8))
            {
                reader.Read();
                description = reader.GetString();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return $"{code ?? "error"}: {description ?? "no description"}";
    }

    private readonly record struct PendingAck(AckBatch Batch, int Index);

    /// <summary>One call's messages for the writer: reply numbers <c>First</c>.., the call's deadline, and how many the writer took up.</summary>
    private sealed class WriteJob(IReadOnlyList<JetStreamMessage> Messages, long First, AckSubscription Subscription, CancellationToken Deadline)
    {
        private int _claimed;

        public IReadOnlyList<JetStreamMessage> Messages { get; } = Messages;

        public long First { get; } = First;

        public AckSubscription Subscription { get; } = Subscription;

        public CancellationToken Deadline { get; } = Deadline;

        /// <summary>The writer takes up message <paramref name="index"/> (the next one); false once the call closed the job.</summary>
        public bool TryClaim(int index) => Interlocked.CompareExchange(ref _claimed, index + 1, index) == index;

        /// <summary>The call is done: the writer takes up nothing more. Returns how many messages it took up (they may have been sent).</summary>
        public int Close()
        {
            var claimed = Interlocked.Exchange(ref _claimed, int.MaxValue);
            return claimed == int.MaxValue ? Messages.Count : claimed;
        }
    }

    /// <summary>One call's slots; its task completes (asynchronously) when the last slot is completed.</summary>
    private sealed class AckBatch(int count)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = count;

        public JetStreamAck[] Results { get; } = new JetStreamAck[count];

        public Task Task => _done.Task;

        public void Complete(int index, JetStreamAck ack)
        {
            Results[index] = ack;
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }
    }

    /// <summary>The reply subscription (<c>&lt;inbox&gt;.*</c>): completes slots on the connection's read loop, never blocks it.</summary>
    private sealed class AckSubscription(JetStreamPublisher owner, NatsConnection connection, string inbox)
        : NatsSubBase(connection, connection.SubscriptionManager, inbox + ".*", queueGroup: null, opts: null)
    {
        private readonly string _prefix = inbox + ".";

        public string ReplyTo(long id) => _prefix + id.ToString(CultureInfo.InvariantCulture);

        protected override ValueTask ReceiveInternalAsync(string subject, string? replyTo, ReadOnlySequence<byte>? headersBuffer, ReadOnlySequence<byte> payloadBuffer)
        {
            if (subject.Length <= _prefix.Length
                || !long.TryParse(subject.AsSpan(_prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return ValueTask.CompletedTask;
            }

            if (payloadBuffer.IsEmpty && headersBuffer is { } headers && ReadStatus(headers) is { } status)
            {
                owner.Complete(id, status.StartsWith("503", StringComparison.Ordinal)
                    ? JetStreamAck.Unavailable("no stream answered (no responders)")
                    : JetStreamAck.Unavailable($"NATS answered {status}"));
                return ValueTask.CompletedTask;
            }

            owner.Complete(id, ReadAck(payloadBuffer));
            return ValueTask.CompletedTask;
        }

        protected override void TryComplete()
        {
            // Nothing to complete: replies are handled as they arrive, no channel is read.
        }
    }
}
