using System.Text.Json;
using Fabrix.Cli.Tests.Audit;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Contracts.Identity;

namespace Fabrix.Cli.Tests.Events;

/// <summary>
/// <c>fabrix events types|tail|subscriptions|dlq|replay</c> against the real registry on real PostgreSQL and NATS
/// (issue 11 section 5). Core.Events is not running here: what it executes is tested end to end in
/// Fabrix.Core.Events.Tests (EventsAdminTests); here the registry's own answers, its role checks and its outage.
/// </summary>
public sealed class EventCommandsTests(RealRegistry registries) : IClassFixture<RealRegistry>, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Tail_AuditedPublishes_PrintsTheirMetadataOldestFirst()
    {
        var registry = await registries.StartAsync();
        var first = Publish("hr", "UserCreated", "pii");
        var second = Publish("billing", "PaymentReceived", "confidential");
        await registry.PublishDecisionsAsync(first, second);

        var result = await Cli(registry).RunAsync("events", "tail", "--role", AdminRoles.AuditViewer);
        var json = await Cli(registry).RunAsync("events", "tail", "--json", "--limit", "1", "--role", AdminRoles.AuditViewer);

        Assert.Equal((0, 0), (result.ExitCode, json.ExitCode));
        var firstAt = result.Output.IndexOf(first.Attributes["event_id"], StringComparison.Ordinal);
        var secondAt = result.Output.IndexOf(second.Attributes["event_id"], StringComparison.Ordinal);
        Assert.True(firstAt >= 0 && secondAt > firstAt, result.Output);
        Assert.Contains("UserCreated", result.Output, StringComparison.Ordinal);
        using var line = JsonDocument.Parse(json.Output);
        Assert.Equal((second.Attributes["event_id"], "PaymentReceived", "billing"),
            (line.RootElement.GetProperty("event_id").GetString(), line.RootElement.GetProperty("event_type").GetString(),
                line.RootElement.GetProperty("publisher").GetString()));
    }

    [Fact]
    public async Task Tail_BatchPublishAuditedAsOneRecord_PrintsEveryEventOfItInOrder()
    {
        var registry = await registries.StartAsync();
        var batch = Publish("hr-batch", "UserCreated", "pii");
        batch.Attributes.Remove("event_id");
        batch.Attributes.Remove("duplicate");
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.CreateVersion7().ToString()).ToList();
        batch.Items.Add(ids.Select(id => new DecisionItem { Attributes = { ["event_id"] = id } }));
        await registry.PublishDecisionsAsync(batch);

        var result = await Cli(registry).RunAsync("events", "tail", "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, result.ExitCode);
        var positions = ids.Select(id => result.Output.IndexOf(id, StringComparison.Ordinal)).ToList();
        Assert.All(positions, at => Assert.True(at >= 0, result.Output));
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public async Task Types_AfterAPublish_NamesThePublisherAsHavingPublished()
    {
        var registry = await registries.StartAsync();
        await registry.PublishDecisionsAsync(Publish("hr-types", "UserUpdated", "pii"));

        var result = await Cli(registry).RunAsync("events", "types", "--json", "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        var type = Assert.Single(json.RootElement.GetProperty("types").EnumerateArray(), t => t.GetProperty("name").GetString() == "UserUpdated");
        Assert.Equal("pii", type.GetProperty("classification").GetString());
        Assert.Equal(["hr-types"], type.GetProperty("did_publish").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task DlqReplay_AsAuditViewer_ExitsOneWithPermissionDenied()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("events", "dlq", "replay", "7", "--reason", "retry", "--role", AdminRoles.AuditViewer);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Permission denied", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DlqList_CoreEventsNotRunning_ExitsNonZeroSayingCoreEventsDidNotAnswer()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("events", "dlq", "list", "--role", AdminRoles.AuditViewer);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("did not answer the registry's control request", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_BothStarts_UsageErrorBeforeCallingTheRegistry()
    {
        var registry = await registries.StartAsync();

        var result = await Cli(registry).RunAsync("events", "replay", "acct", "UserCreated", "--from-sequence", "3", "--from-time", "2026-12-01T00:00:00Z",
            "--reason", "rebuild", "--role", AdminRoles.PluginManager);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("exactly one of --from-sequence and --from-time", result.Error, StringComparison.Ordinal);
    }

    private static DecisionRecord Publish(string pluginId, string type, string classification) => new()
    {
        Id = Guid.CreateVersion7().ToString(),
        At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        PluginId = pluginId,
        Lane = Lane.Canonical,
        Target = $"fabrix.canonical.v1.{type}",
        Action = "publish",
        Outcome = DecisionOutcome.Allowed,
        CorrelationId = Guid.NewGuid().ToString("N"),
        Service = "cli-test",
        Attributes =
        {
            ["event_type"] = type,
            ["event_id"] = Guid.CreateVersion7().ToString(),
            ["classification"] = classification,
            ["duplicate"] = "false",
        },
    };

    private CliRun Cli(RunningRegistry registry) =>
        new CliRun(_directory.Path) { OpenChannel = registry.OpenChannel }
            .With("FABRIX_REGISTRY", "http://registry.test")
            .With("Fabrix__DevAdmin__KeyFile", registries.DevKeyPath);
}
