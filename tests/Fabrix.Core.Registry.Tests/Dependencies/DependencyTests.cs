using System.Text.Json;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using NATS.Client.Core;

namespace Fabrix.Core.Registry.Tests.Dependencies;

/// <summary>Issue 3 section 2 against the real registry, PostgreSQL and NATS.</summary>
public sealed class DependencyTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Install_DependencyNotInstalled_IsFailedPreconditionNamingItAtItsPath()
    {
        var id = TestManifests.NewId("orphan");
        var missing = TestManifests.NewId("absent");
        var present = TestManifests.NewId("present");
        await host.InstallAsync(present);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.InstallAsync(id, manifestJson: PluginSetup.Manifest(id, "1.0.0", present, missing).ToJsonString()));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"depends on plugins that are not installed: {missing}.", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(present, error.Status.Detail, StringComparison.Ordinal);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("$.dependencies[1]", violation.Field);
        Assert.Equal("DEPENDENCIES_NOT_INSTALLED", error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Contains(await host.AuditRowsAsync(id), r => r is { Action: "plugin.install", Outcome: "refused" });
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from plugins where id = @id", ("id", id)));
    }

    [Fact]
    public async Task Install_ReinstallClosingACycle_IsRefusedWithTheCycleNamed()
    {
        var prefix = TestManifests.NewId("cyc");
        var (a, b, c) = ($"{prefix}-a", $"{prefix}-b", $"{prefix}-c");
        await host.InstallAsync(a);
        await host.RegisterOkAsync(PluginSetup.Manifest(a));
        await host.InstallAsync(b, manifestJson: PluginSetup.Manifest(b, "1.0.0", a).ToJsonString());
        await host.InstallAsync(c, manifestJson: PluginSetup.Manifest(c, "1.0.0", b).ToJsonString());
        await host.Admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = a }, host.Manager, cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.InstallAsync(a, manifestJson: PluginSetup.Manifest(a, "1.1.0", c).ToJsonString()));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"{a} → {c} → {b} → {a}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("DEPENDENCY_CYCLE", error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        var detail = await host.GetAsync(a);
        Assert.Equal((PluginStatus.Unregistered, "1.0.0"), (detail.Summary.Status, detail.PinnedVersion));
        Assert.Contains(await host.AuditRowsAsync(a), r => r is { Action: "plugin.install", Outcome: "refused" } && r.Reason.Contains(" → ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enable_DependencyRegisteredButNotActive_IsRefusedUntilTheDependencyIsActive()
    {
        var dependency = TestManifests.NewId("base");
        var id = TestManifests.NewId("top");
        await host.InstallAsync(dependency);
        await host.RegisterOkAsync(PluginSetup.Manifest(dependency));
        var manifest = PluginSetup.Manifest(id, "1.0.0", dependency);
        await host.InstallAsync(id, manifestJson: manifest.ToJsonString());
        await host.RegisterOkAsync(manifest);

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.EnablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct).ResponseAsync);
        await host.Admin.EnablePluginAsync(new PluginTransitionRequest { Id = dependency }, host.Manager, cancellationToken: Ct);
        var enabled = await host.Admin.EnablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains($"{dependency} (registered)", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(PluginStatus.Active, enabled.Summary.Status);
    }

    [Fact]
    public async Task RegisterWithEnableOnRegister_DependencyNotActive_StaysRegistered()
    {
        var dependency = TestManifests.NewId("idle");
        var id = TestManifests.NewId("eager");
        await host.InstallAsync(dependency);
        var manifest = PluginSetup.Manifest(id, "1.0.0", dependency);
        await host.InstallAsync(id, enableOnRegister: true, manifestJson: manifest.ToJsonString());

        await host.RegisterOkAsync(manifest);

        Assert.Equal(PluginStatus.Registered, (await host.GetAsync(id)).Summary.Status);
        Assert.Contains(await host.AuditRowsAsync(id), r => r is { Action: "plugin.enable", Outcome: "refused", Actor: "system" }
                                                              && r.Reason.Contains($"{dependency} (installed)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Disable_ActiveDependents_IsRefusedNamingThemAndChangesNothing()
    {
        var (a, b, c) = await ActiveChainAsync("deny");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = a }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"active plugins depend on it: {c}, {b}.", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("ACTIVE_DEPENDENTS", error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        foreach (var id in new[] { a, b, c })
        {
            Assert.Equal(PluginStatus.Active, (await host.GetAsync(id)).Summary.Status);
        }

        Assert.Contains(await host.AuditRowsAsync(a), r => r is { Action: "plugin.disable", Outcome: "refused" });
    }

    [Fact]
    public async Task Unregister_ActiveDependents_IsRefusedNamingThem()
    {
        var (a, b, c) = await ActiveChainAsync("unreg");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = b }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"active plugins depend on it: {c}.", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(PluginStatus.Active, (await host.GetAsync(b)).Summary.Status);
        Assert.Equal(PluginStatus.Active, (await host.GetAsync(a)).Summary.Status);
    }

    [Fact]
    public async Task Disable_Cascade_DisablesDependentsFirstEachWithEventAndAuditRow()
    {
        var (a, b, c) = await ActiveChainAsync("cascade");

        var detail = await host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = a, Reason = "incident 7", Cascade = true }, host.Manager, cancellationToken: Ct);

        Assert.Equal(PluginStatus.Disabled, detail.Summary.Status);
        var disables = (await host.LifecycleRowsAsync(a, b, c)).Where(r => r.Trigger == "disable").ToList();
        Assert.Equal(
            [
                (c, "active", "disabled", "user:morgan", $"cascade from {a}"),
                (b, "active", "disabled", "user:morgan", $"cascade from {a}"),
                (a, "active", "disabled", "user:morgan", "incident 7"),
            ],
            disables.Select(r => (r.PluginId, r.From!, r.To!, r.Actor, r.Reason)));
        Assert.Single(disables.Select(r => r.CorrelationId).Distinct());
        foreach (var dependent in new[] { b, c })
        {
            Assert.Equal(PluginStatus.Disabled, (await host.GetAsync(dependent)).Summary.Status);
            var row = Assert.Single(await host.AuditRowsAsync(dependent), r => r.Action == "plugin.disable");
            Assert.Equal(("succeeded", "user:morgan", $"cascade from {a}"), (row.Outcome, row.Actor, row.Reason));
            Assert.Contains($"\"cascade_from\": \"{a}\"", row.Details, StringComparison.Ordinal);
        }

        var own = Assert.Single(await host.AuditRowsAsync(a), r => r.Action == "plugin.disable");
        Assert.Contains(c, own.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unregister_Cascade_DisablesDependentsThenUnregisters()
    {
        var (a, b, c) = await ActiveChainAsync("unregcasc");

        var detail = await host.Admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = a, Cascade = true }, host.Manager, cancellationToken: Ct);

        Assert.Equal(PluginStatus.Unregistered, detail.Summary.Status);
        Assert.Equal(
            [(c, "disable"), (b, "disable"), (a, "unregister")],
            (await host.LifecycleRowsAsync(a, b, c)).Where(r => r.Trigger is "disable" or "unregister").Select(r => (r.PluginId, r.Trigger)));
        Assert.Equal(PluginStatus.Disabled, (await host.GetAsync(c)).Summary.Status);
    }

    [Fact]
    public async Task Disable_Cascade_PublishesEveryStepOnNatsDependentsFirst()
    {
        var (a, b, c) = await ActiveChainAsync("natscasc");
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = host.NatsUrl });
        await using var subscription = await nats.SubscribeCoreAsync<byte[]>("fabrix.plugin.*.lifecycle", cancellationToken: Ct);
        await nats.PingAsync(Ct);

        await host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = a, Cascade = true }, host.Manager, cancellationToken: Ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var disabled = new List<string>();
        while (disabled.Count < 3)
        {
            var message = JsonDocument.Parse((await subscription.Msgs.ReadAsync(timeout.Token)).Data!).RootElement;
            var plugin = message.GetProperty("plugin_id").GetString()!;
            if (message.GetProperty("trigger").GetString() == "disable" && plugin.StartsWith(a[..^2], StringComparison.Ordinal))
            {
                disabled.Add(plugin);
            }
        }

        Assert.Equal([c, b, a], disabled);
    }

    [Fact]
    public async Task Disable_Cascade_EachStepReachesTheWatchStream()
    {
        var (a, b, c) = await ActiveChainAsync("watchcasc");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        using var watch = host.Admin.WatchPlugins(new WatchPluginsRequest(), host.Manager, cancellationToken: timeout.Token);
        var stream = watch.ResponseStream;
        while (await stream.MoveNext(timeout.Token) && !(stream.Current.Kind == PluginChange.Types.Kind.Snapshot && stream.Current.Plugin.Id == c))
        {
        }

        await host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = a, Cascade = true }, host.Manager, cancellationToken: Ct);

        var disabled = new List<string>();
        while (disabled.Count < 3 && await stream.MoveNext(timeout.Token))
        {
            if (stream.Current is { Kind: PluginChange.Types.Kind.Upserted, Plugin.Status: PluginStatus.Disabled } change)
            {
                disabled.Add(change.Plugin.Id);
            }
        }

        Assert.Equal([c, b, a], disabled);
    }

    [Fact]
    public async Task Uninstall_InstalledDependents_IsRefusedNamingThem()
    {
        var dependency = TestManifests.NewId("needed");
        var dependent = TestManifests.NewId("needer");
        await host.InstallAsync(dependency);
        await host.InstallAsync(dependent, manifestJson: PluginSetup.Manifest(dependent, "1.0.0", dependency).ToJsonString());

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Admin.UninstallPluginAsync(new UninstallPluginRequest { Id = dependency }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"installed plugins depend on it: {dependent}.", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(PluginStatus.Installed, (await host.GetAsync(dependency)).Summary.Status);
    }

    [Fact]
    public async Task GetPlugin_WithDependents_ListsDirectDependentsOnly()
    {
        var (a, b, _) = await ActiveChainAsync("dependents");

        var detail = await host.GetAsync(a);

        Assert.Equal([b], detail.Dependents);
    }

    /// <summary>Three active plugins: b depends on a, c depends on b (ids ordered a &lt; b &lt; c).</summary>
    private async Task<(string A, string B, string C)> ActiveChainAsync(string name)
    {
        var prefix = TestManifests.NewId(name);
        var (a, b, c) = ($"{prefix}-a", $"{prefix}-b", $"{prefix}-c");
        await host.ActivateAsync(PluginSetup.Manifest(a));
        await host.ActivateAsync(PluginSetup.Manifest(b, "1.0.0", a));
        await host.ActivateAsync(PluginSetup.Manifest(c, "1.0.0", b));
        return (a, b, c);
    }
}
