using System.Text;
using System.Text.Json;
using Fabrix.Contracts.Canonical;
using Fabrix.Contracts.Canonical.V1;
using Google.Protobuf.WellKnownTypes;

namespace Fabrix.Contracts.Tests.Canonical;

public sealed class CanonicalEventTypesTests
{
    [Fact]
    public void All_CatalogueFromProto_HoldsEveryIssueElevenTypeAndNotTheEnvelope() =>
        Assert.Equal(
            ["DocumentProcessed", "PaymentReceived", "PluginHealthChanged", "PluginLifecycleChanged", "UserCreated", "UserDeleted", "UserUpdated", "WebhookEndpointDisabled"],
            CanonicalEventTypes.All.Select(t => t.Name).Order(StringComparer.Ordinal));

    [Theory]
    [InlineData("UserCreated", "pii", "handles_pii")]
    [InlineData("UserUpdated", "pii", "handles_pii")]
    [InlineData("PaymentReceived", "pii", "handles_pii")]
    [InlineData("UserDeleted", "internal", null)]
    [InlineData("DocumentProcessed", "confidential", null)]
    [InlineData("PluginLifecycleChanged", "internal", null)]
    public void Find_Type_DeclaresClassificationAndTrait(string name, string classification, string? trait)
    {
        var type = CanonicalEventTypes.Find(name);

        Assert.NotNull(type);
        Assert.Equal(classification, type.Classification);
        Assert.Equal(trait, type.RequiredTrait);
        Assert.Equal("fabrix.canonical.v1." + name, type.FullName);
        Assert.Same(type, CanonicalEventTypes.FindByFullName(type.FullName));
    }

    [Theory]
    [InlineData("userCreated")]
    [InlineData("CanonicalEvent")]
    [InlineData("fabrix.canonical.v1.UserCreated")]
    [InlineData("")]
    public void Find_NotAShortTypeName_Null(string name) => Assert.Null(CanonicalEventTypes.Find(name));

    [Fact]
    public void AllowedFor_PiiType_NeedsHandlesPii()
    {
        var type = CanonicalEventTypes.Find("UserCreated")!;

        Assert.True(type.AllowedFor(["handles_pii", "audit_required"]));
        Assert.False(type.AllowedFor(["handles_phi"]));
        Assert.True(CanonicalEventTypes.Find("UserDeleted")!.AllowedFor([]));
    }

    [Fact]
    public void Write_Envelope_IsCloudEventsJsonThatReadsBack()
    {
        var envelope = new CanonicalEvent
        {
            Id = "6f1c1e0a-52a3-4c67-9d0e-0f6f3c3b9a11",
            Source = "fabrix://plugins/hr",
            SpecVersion = "1.0",
            Type = "fabrix.canonical.v1.UserCreated",
            Time = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero)),
            Datacontenttype = "application/protobuf",
            Dataclassification = "pii",
            Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            Data = Any.Pack(new UserCreated { UserId = "u-1", DisplayName = "Ada Lovelace", Email = "ada@example.com" }),
        };

        var json = CloudEventJson.Write(envelope);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.Equal("1.0", root.GetProperty("specversion").GetString());
        Assert.Equal("fabrix.canonical.v1.UserCreated", root.GetProperty("type").GetString());
        Assert.Equal("2026-12-05T10:00:00Z", root.GetProperty("time").GetString());
        Assert.Equal("application/json", root.GetProperty("datacontenttype").GetString());
        Assert.Equal("pii", root.GetProperty("dataclassification").GetString());
        Assert.Equal("Ada Lovelace", root.GetProperty("data").GetProperty("displayName").GetString());

        var back = CloudEventJson.Read(json);
        Assert.Equal(envelope.Id, back.Id);
        Assert.Equal(envelope.Traceparent, back.Traceparent);
        Assert.Equal("ada@example.com", back.Data.Unpack<UserCreated>().Email);
    }

    [Theory]
    [InlineData("Ada Lovelace", 1)]
    [InlineData("Ada Lövelace — 𝔸", 1)]
    [InlineData("a long name ", 20_000)]
    public void WriteUtf8_Envelope_IsWriteEncoded(string name, int repeat)
    {
        var envelope = new CanonicalEvent
        {
            Id = "6f1c1e0a-52a3-4c67-9d0e-0f6f3c3b9a13",
            Source = "fabrix://plugins/hr",
            SpecVersion = "1.0",
            Type = "fabrix.canonical.v1.UserCreated",
            Time = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 5, 10, 0, 0, 123, TimeSpan.Zero)),
            Dataclassification = "pii",
            Data = Any.Pack(new UserCreated { UserId = "u-1", DisplayName = string.Concat(Enumerable.Repeat(name, repeat)) }),
        };

        // Twice each, so the second of each reuses what the first left behind.
        var first = CloudEventJson.WriteUtf8(envelope);
        var json = CloudEventJson.Write(envelope);

        Assert.Equal(Encoding.UTF8.GetBytes(json), first);
        Assert.Equal(first, CloudEventJson.WriteUtf8(envelope));
        Assert.Equal(json, CloudEventJson.Write(envelope));
        using var document = JsonDocument.Parse(json);
        Assert.Equal("2026-12-05T10:00:00.123Z", document.RootElement.GetProperty("time").GetString());
    }

    [Fact]
    public void Write_DataOfAnotherType_Throws()
    {
        var envelope = new CanonicalEvent
        {
            Id = "6f1c1e0a-52a3-4c67-9d0e-0f6f3c3b9a12",
            Source = "fabrix://plugins/hr",
            Type = "fabrix.canonical.v1.UserCreated",
            Time = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero)),
            Data = Any.Pack(new UserDeleted { UserId = "u-1" }),
        };

        var exception = Assert.Throws<ArgumentException>(() => CloudEventJson.Write(envelope));
        Assert.Contains("not its type", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParsePayload_Valid_ReturnsTypedMessage()
    {
        var message = CloudEventJson.ParsePayload(CanonicalEventTypes.Find("PaymentReceived")!, """{"paymentId":"p-1","amountMinor":"1250","currency":"EUR"}""", out var error);

        Assert.Null(error);
        Assert.Equal(1250, Assert.IsType<PaymentReceived>(message).AmountMinor);
    }

    [Theory]
    [InlineData("""{"userId":"u-1","salary":100}""")]
    [InlineData("""{"userId":42}""")]
    [InlineData("""not json""")]
    [InlineData("""{"createdAt":"yesterday"}""")]
    public void ParsePayload_NotTheType_ErrorAndNull(string json)
    {
        var message = CloudEventJson.ParsePayload(CanonicalEventTypes.Find("UserCreated")!, json, out var error);

        Assert.Null(message);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("""{"specversion":"0.3","id":"1","source":"s","type":"fabrix.canonical.v1.UserDeleted","time":"2026-12-05T10:00:00Z","data":{}}""")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"s","type":"fabrix.canonical.v1.Nope","time":"2026-12-05T10:00:00Z","data":{}}""")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"s","type":"fabrix.canonical.v1.UserDeleted","time":"2026-12-05T10:00:00Z"}""")]
    public void Read_NotACanonicalCloudEvent_Throws(string json) => Assert.Throws<FormatException>(() => CloudEventJson.Read(json));
}
