using System.Buffers;
using System.Text;
using Fabrix.Core.Events.Streams;
using Fabrix.Testing;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Fabrix.Core.Events.Tests.Publishing;

/// <summary><see cref="JetStreamPublisher"/> against a real nats-server: one reply subscription, one deadline per call.</summary>
public sealed class JetStreamPublisherTests(NatsServer nats) : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _name = $"JSP_{Guid.NewGuid():N}"[..16];
    private NatsConnection _connection = null!;
    private NatsJSContext _jetStream = null!;
    private JetStreamPublisher _publisher = null!;

    private string Subject(string leaf) => $"{_name.ToLowerInvariant()}.{leaf}";

    public async ValueTask InitializeAsync()
    {
        _connection = new NatsConnection(NatsOpts.Default with { Url = nats.Url, Name = "jetstream-publisher-tests" });
        _jetStream = new NatsJSContext(_connection);
        _publisher = new JetStreamPublisher(_connection);
        await _jetStream.CreateStreamAsync(new StreamConfig(_name, [Subject("*")]) { Storage = StreamConfigStorage.File, DuplicateWindow = TimeSpan.FromMinutes(2) }, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _publisher.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private static JetStreamMessage Message(string subject, int n, string? messageId = null) =>
        new(subject, new Google.Protobuf.WellKnownTypes.StringValue { Value = $"event {n}" }, messageId ?? Guid.NewGuid().ToString());

    [Fact]
    public async Task PublishAsync_Batch_EveryMessageStoredInOrderWithItsSequence()
    {
        var messages = Enumerable.Range(0, 120).Select(n => Message(Subject(n % 2 == 0 ? "a" : "b"), n)).ToList();

        var acks = await _publisher.PublishAsync(messages, Ct);

        Assert.All(acks, ack => Assert.Equal((JetStreamAckStatus.Stored, false), (ack.Status, ack.Duplicate)));
        Assert.Equal(Enumerable.Range(1, 120).Select(n => (ulong)n), acks.Select(a => a.Sequence));
        var stream = await _jetStream.GetStreamAsync(_name, cancellationToken: Ct);
        var stored = await stream.GetAsync(new StreamMsgGetRequest { Seq = acks[57].Sequence }, Ct);
        Assert.Equal(("event 57", Subject("b")), (Google.Protobuf.WellKnownTypes.StringValue.Parser.ParseFrom(stored.Message.Data.Span).Value, stored.Message.Subject));
        Assert.Equal(0, _publisher.Pending);
    }

    [Fact]
    public async Task PublishAsync_ConcurrentCalls_EachGetsItsOwnAcknowledgements()
    {
        var calls = await Task.WhenAll(Enumerable.Range(0, 8).Select(c =>
            _publisher.PublishAsync([.. Enumerable.Range(0, 50).Select(n => Message(Subject("c"), c * 1000 + n))], Ct)));

        var sequences = calls.SelectMany(acks => acks).Select(a => a.Sequence).ToList();
        Assert.All(calls.SelectMany(acks => acks), ack => Assert.Equal(JetStreamAckStatus.Stored, ack.Status));
        Assert.Equal(400, sequences.Distinct().Count());
        // Each call's messages were written in order, so their sequences rise within the call.
        Assert.All(calls, acks => Assert.Equal(acks.Select(a => a.Sequence).Order(), acks.Select(a => a.Sequence)));
    }

    [Fact]
    public async Task PublishAsync_SinglesBesideBatches_EveryMessageStoredOnceAndEachBatchInOrder()
    {
        // Calls of one message write themselves; batches go through the writer loop. Both at once on one connection.
        var calls = await Task.WhenAll(Enumerable.Range(0, 24).Select(c => Task.Run(() =>
            _publisher.PublishAsync([.. Enumerable.Range(0, c % 3 == 0 ? 40 : 1).Select(n => Message(Subject("m"), c * 1000 + n))], Ct), Ct)));

        var acks = calls.SelectMany(call => call).ToList();
        Assert.All(acks, ack => Assert.Equal(JetStreamAckStatus.Stored, ack.Status));
        Assert.Equal(8 * 40 + 16, acks.Select(a => a.Sequence).Distinct().Count());
        Assert.All(calls, call => Assert.Equal(call.Select(a => a.Sequence).Order(), call.Select(a => a.Sequence)));
        var stream = await _jetStream.GetStreamAsync(_name, cancellationToken: Ct);
        Assert.Equal(8L * 40 + 16, stream.Info.State.Messages);
        Assert.Equal(0, _publisher.Pending);
    }

    [Fact]
    public async Task PublishAsync_DeadlinePassedBeforeTheWriterReachedTheCall_NothingWrittenAndEveryMessageNotSent()
    {
        using var passed = new CancellationTokenSource();
        await passed.CancelAsync();

        var acks = await _publisher.PublishAsync([Message(Subject("p"), 1), Message(Subject("p"), 2)], passed.Token);
        var single = await _publisher.PublishAsync([Message(Subject("p"), 3)], passed.Token);

        Assert.All(acks.Concat(single), ack => Assert.Equal(JetStreamAckStatus.NotSent, ack.Status));
        await _connection.PingAsync(Ct);
        var stream = await _jetStream.GetStreamAsync(_name, cancellationToken: Ct);
        Assert.Equal(0L, stream.Info.State.Messages);
        Assert.Equal(0, _publisher.Pending);
    }

    [Fact]
    public async Task PublishAsync_SameMessageIdTwice_SecondIsDuplicateOfFirstSequence()
    {
        var first = await _publisher.PublishAsync([Message(Subject("d"), 1, "same-id")], Ct);
        var second = await _publisher.PublishAsync([Message(Subject("d"), 2, "same-id")], Ct);

        Assert.Equal((JetStreamAckStatus.Stored, false), (first[0].Status, first[0].Duplicate));
        Assert.Equal((JetStreamAckStatus.Stored, true, first[0].Sequence), (second[0].Status, second[0].Duplicate, second[0].Sequence));
    }

    [Fact]
    public async Task PublishAsync_NoStreamForTheSubject_UnavailableFromNoResponders()
    {
        var acks = await _publisher.PublishAsync([Message($"nostream.{_name}", 1)], Ct);

        Assert.Equal(JetStreamAckStatus.Unavailable, acks[0].Status);
        Assert.Contains("no responders", acks[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishAsync_StreamRefuses_RefusedWithJetStreamsError()
    {
        var full = $"{_name}F";
        await _jetStream.CreateStreamAsync(new StreamConfig(full, [$"{full.ToLowerInvariant()}.x"]) { MaxMsgs = 1, Discard = StreamConfigDiscard.New }, Ct);

        var acks = await _publisher.PublishAsync([Message($"{full.ToLowerInvariant()}.x", 1), Message($"{full.ToLowerInvariant()}.x", 2)], Ct);

        Assert.Equal(JetStreamAckStatus.Stored, acks[0].Status);
        Assert.Equal(JetStreamAckStatus.Refused, acks[1].Status);
        Assert.Contains("maximum messages", acks[1].Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PublishAsync_NoAnswerBeforeTheDeadline_TimedOutAndALateAnswerIsDropped()
    {
        // A plain subscriber takes the message (so no "no responders") and never answers.
        var subject = $"silent.{_name}";
        var replyTo = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var silent = await _connection.SubscribeCoreAsync<byte[]>(subject, cancellationToken: Ct);
        await _connection.PingAsync(Ct);
        var taken = Task.Run(async () => replyTo.TrySetResult((await silent.Msgs.ReadAsync(Ct)).ReplyTo!), Ct);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var acks = await _publisher.PublishAsync([Message(subject, 1), Message(Subject("e"), 2)], deadline.Token);

        Assert.Equal((JetStreamAckStatus.TimedOut, JetStreamAckStatus.Stored), (acks[0].Status, acks[1].Status));
        Assert.Equal(0, _publisher.Pending);
        await taken;
        await _connection.PublishAsync(await replyTo.Task, Encoding.UTF8.GetBytes("""{"stream":"X","seq":99}"""), cancellationToken: Ct);
        await _connection.PingAsync(Ct);
        var after = await _publisher.PublishAsync([Message(Subject("e"), 3)], Ct);
        Assert.Equal((JetStreamAckStatus.Stored, 2UL), (after[0].Status, after[0].Sequence));
    }

    [Theory]
    [InlineData("""{"stream":"S","seq":12}""", "Stored", 12UL, false, null)]
    [InlineData("""{"stream":"S","domain":"d","seq":13,"duplicate":true}""", "Stored", 13UL, true, null)]
    [InlineData("""{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"S"}""", "Refused", 0UL, false,
        "503: maximum messages exceeded")]
    [InlineData("""{"stream":"S"}""", "Unavailable", 0UL, false, "JetStream's acknowledgement names no sequence")]
    [InlineData("""[1,2]""", "Unavailable", 0UL, false, "JetStream's acknowledgement is not a JSON object")]
    public void ReadAck_ReadsJetStreamsAnswer(string json, string status, ulong sequence, bool duplicate, string? error)
    {
        var ack = JetStreamPublisher.ReadAck(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

        Assert.Equal((Enum.Parse<JetStreamAckStatus>(status), sequence, duplicate), (ack.Status, ack.Sequence, ack.Duplicate));
        Assert.Equal(error, ack.Error);
    }

    [Theory]
    [InlineData("{\"seq\":")]
    [InlineData("{\"seq\":\"twelve\"}")]
    [InlineData("not json")]
    public void ReadAck_Unreadable_UnavailableNotStored(string json)
    {
        var ack = JetStreamPublisher.ReadAck(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(JetStreamAckStatus.Unavailable, ack.Status);
    }

    [Theory]
    [InlineData("NATS/1.0 503\r\n\r\n", "503")]
    [InlineData("NATS/1.0 408 Request Timeout\r\n\r\n", "408 Request Timeout")]
    [InlineData("NATS/1.0\r\nNats-Msg-Id: x\r\n\r\n", null)]
    public void ReadStatus_StatusLineOfAHeadersOnlyReply(string headers, string? status) =>
        Assert.Equal(status, JetStreamPublisher.ReadStatus(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(headers))));
}
