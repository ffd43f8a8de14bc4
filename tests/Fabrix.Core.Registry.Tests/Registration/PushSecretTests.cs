using System.Text.Json.Nodes;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Webhooks;
using Fabrix.Testing;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Core.Registry.Tests.Registration;

/// <summary>Per-plugin push secrets (issue 11 section 3): issued at registration, kept, stored encrypted, read only by Core.Events.</summary>
public sealed class PushSecretTests(WebhookRegistry registry, PostgresServer postgres, NatsServer nats) : IClassFixture<WebhookRegistry>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PushTargets.PushTargetsClient Targets => new(registry.Channel);

    [Fact]
    public async Task Register_PushManifest_ReturnsSecretStoredEncrypted()
    {
        var id = TestManifests.NewId("push");
        var manifest = PushManifest(id);
        await registry.Host.InstallAsync(id, manifestJson: manifest);

        var response = await RegisterAsync(id, manifest);

        Assert.True(WebhookSecret.TryParse(response.PushSecret, out var key), response.PushSecret);
        Assert.StartsWith(WebhookSecret.Prefix, response.PushSecret, StringComparison.Ordinal);
        Assert.Equal(32, key.Length);
        var stored = await registry.Host.ScalarAsync<string>("select secret_protected from plugin_push_secrets where plugin_id = @id", ("id", id));
        Assert.DoesNotContain(response.PushSecret[WebhookSecret.Prefix.Length..], stored, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(key), stored, StringComparison.Ordinal);
        var audited = Assert.Single(await registry.Host.AuditRowsAsync(id), r => r.Action == "plugin.register" && r.Outcome == "succeeded");
        Assert.Equal("issued", System.Text.Json.JsonDocument.Parse(audited.Details).RootElement.GetProperty("push_secret").GetString());
        Assert.DoesNotContain(response.PushSecret[WebhookSecret.Prefix.Length..], audited.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_Again_KeepsTheSameSecret()
    {
        var id = TestManifests.NewId("push");
        var manifest = PushManifest(id);
        await registry.Host.InstallAsync(id, manifestJson: manifest);

        var first = await RegisterAsync(id, manifest);
        var second = await RegisterAsync(id, manifest);

        Assert.Equal(first.PushSecret, second.PushSecret);
        Assert.Equal(["issued", "kept"], (await registry.Host.AuditRowsAsync(id)).Where(r => r.Action == "plugin.register")
            .Select(r => System.Text.Json.JsonDocument.Parse(r.Details).RootElement.GetProperty("push_secret").GetString()));
    }

    [Fact]
    public async Task Register_StreamManifest_NoSecret()
    {
        var id = TestManifests.NewId("stream");
        await registry.Host.InstallAsync(id);

        var response = await RegisterAsync(id, TestManifests.Json(id));

        Assert.Empty(response.PushSecret);
        Assert.Equal(0, await registry.Host.ScalarAsync<long>("select count(*) from plugin_push_secrets where plugin_id = @id", ("id", id)));
    }

    [Fact]
    public async Task ListPushTargets_CoreEvents_ReturnsPathAndSecretOfPushPluginsOnly()
    {
        var push = TestManifests.NewId("push");
        var stream = TestManifests.NewId("stream");
        await registry.Host.InstallAsync(push, manifestJson: PushManifest(push));
        await registry.Host.InstallAsync(stream);
        var registered = await RegisterAsync(push, PushManifest(push));
        await RegisterAsync(stream, TestManifests.Json(stream));

        var targets = await Targets.ListPushTargetsAsync(new ListPushTargetsRequest(), registry.ServiceHeaders(), cancellationToken: Ct);

        var target = Assert.Single(targets.Targets, t => t.PluginId == push);
        Assert.Equal(("/fabrix/events", registered.PushSecret), (target.PushPath, Assert.Single(target.Secrets)));
        Assert.DoesNotContain(targets.Targets, t => t.PluginId == stream);
    }

    [Fact]
    public async Task ListPushTargets_OtherServiceOrAdministrator_PermissionDenied()
    {
        var other = await Assert.ThrowsAsync<RpcException>(() => Targets.ListPushTargetsAsync(new ListPushTargetsRequest(),
            registry.ServiceHeaders(registry.OtherKey, WebhookRegistry.OtherService), cancellationToken: Ct).ResponseAsync);
        var admin = await Assert.ThrowsAsync<RpcException>(() => Targets.ListPushTargetsAsync(new ListPushTargetsRequest(),
            registry.Host.AdminHeaders("ada", AdminRoles.Admin), cancellationToken: Ct).ResponseAsync);

        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (other.StatusCode, admin.StatusCode));
        Assert.Equal(RefusalCodes.NotAService, other.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
    }

    [Theory]
    [InlineData(AdminRoles.Admin)]
    [InlineData(AdminRoles.PluginManager)]
    public async Task RotatePushSecret_Manager_NewSecretFirstPreviousStillSigned(string role)
    {
        var id = await RegisteredPushPluginAsync();
        var before = Assert.Single(await SecretsOfAsync(id));

        var rotated = await registry.Host.Admin.RotatePushSecretAsync(new RotatePushSecretRequest { Id = id, Reason = "leaked in a log" },
            registry.Host.AdminHeaders("ada", role), cancellationToken: Ct);

        var after = await SecretsOfAsync(id);
        Assert.Equal(2, after.Count);
        Assert.NotEqual(before, after[0]);
        Assert.True(WebhookSecret.TryParse(after[0], out _));
        Assert.Equal(before, after[1]);
        Assert.Equal(id, rotated.Plugin.Summary.Id);
        Assert.Equal(TimeSpan.FromHours(24), rotated.PreviousValidUntil.ToDateTimeOffset() - rotated.RotatedAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task RotatePushSecret_AuditViewer_PermissionDeniedAndSecretKept()
    {
        var id = await RegisteredPushPluginAsync();
        var before = await SecretsOfAsync(id);

        var error = await Assert.ThrowsAsync<RpcException>(() => registry.Host.Admin.RotatePushSecretAsync(
            new RotatePushSecretRequest { Id = id, Reason = "curious" }, registry.Viewer, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal(before, await SecretsOfAsync(id));
        Assert.Contains(await registry.Host.AuditRowsAsync(id), r => r.Action == "plugin.push_secret.rotate" && r.Outcome == "refused");
    }

    [Fact]
    public async Task RotatePushSecret_Succeeded_AuditedWithReasonAndWindowButNoSecret()
    {
        var id = await RegisteredPushPluginAsync();
        var before = Assert.Single(await SecretsOfAsync(id));

        await registry.Host.Admin.RotatePushSecretAsync(new RotatePushSecretRequest { Id = id, Reason = "quarterly rotation" }, registry.Manager, cancellationToken: Ct);

        var after = await SecretsOfAsync(id);
        var audited = Assert.Single(await registry.Host.AuditRowsAsync(id), r => r.Action == "plugin.push_secret.rotate");
        Assert.Equal(("succeeded", "quarterly rotation"), (audited.Outcome, audited.Reason));
        Assert.True(System.Text.Json.JsonDocument.Parse(audited.Details).RootElement.TryGetProperty("previous_valid_until", out _), audited.Details);
        foreach (var secret in new[] { before, after[0] })
        {
            Assert.DoesNotContain(secret[WebhookSecret.Prefix.Length..], audited.Details + audited.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RotatePushSecret_StreamPlugin_FailedPreconditionPushSecretNotIssued()
    {
        var id = TestManifests.NewId("stream");
        await registry.Host.InstallAsync(id);
        await RegisterAsync(id, TestManifests.Json(id));

        var error = await Assert.ThrowsAsync<RpcException>(() => registry.Host.Admin.RotatePushSecretAsync(
            new RotatePushSecretRequest { Id = id, Reason = "wrong plugin" }, registry.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(RefusalCodes.PushSecretNotIssued, error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Contains("does not receive its events by HTTP push", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(await registry.Host.AuditRowsAsync(id), r => r.Action == "plugin.push_secret.rotate" && r.Outcome == "refused");
    }

    [Fact]
    public async Task RotatePushSecret_PushPluginNotYetRegistered_FailedPreconditionSaysWhen()
    {
        var id = TestManifests.NewId("push");
        await registry.Host.InstallAsync(id, manifestJson: PushManifest(id));

        var error = await Assert.ThrowsAsync<RpcException>(() => registry.Host.Admin.RotatePushSecretAsync(
            new RotatePushSecretRequest { Id = id, Reason = "too early" }, registry.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(RefusalCodes.PushSecretNotIssued, error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        Assert.Contains("when it first registers", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotatePushSecret_UnknownPlugin_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => registry.Host.Admin.RotatePushSecretAsync(
            new RotatePushSecretRequest { Id = TestManifests.NewId("ghost"), Reason = "typo" }, registry.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task RotatePushSecret_BadIdAndReason_InvalidArgumentWithBothFields()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => registry.Host.Admin.RotatePushSecretAsync(
            new RotatePushSecretRequest { Id = "Not An Id", Reason = "bad\u0001reason" }, registry.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["id", "reason"], error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field).Order());
    }

    [Fact]
    public async Task RenewToken_AfterRotation_ReturnsTheNewSecret()
    {
        var id = TestManifests.NewId("push");
        var manifest = PushManifest(id);
        await registry.Host.InstallAsync(id, manifestJson: manifest);
        var registered = await RegisterAsync(id, manifest);
        var renewedBefore = await registry.Host.Plugins.RenewTokenAsync(new RenewTokenRequest(), RegistryHost.PluginHeaders(registered.Token), cancellationToken: Ct);

        await registry.Host.Admin.RotatePushSecretAsync(new RotatePushSecretRequest { Id = id, Reason = "rotation" }, registry.Manager, cancellationToken: Ct);
        var renewed = await registry.Host.Plugins.RenewTokenAsync(new RenewTokenRequest(), RegistryHost.PluginHeaders(renewedBefore.Token), cancellationToken: Ct);

        Assert.Equal(registered.PushSecret, renewedBefore.PushSecret);
        Assert.NotEqual(registered.PushSecret, renewed.PushSecret);
        Assert.Equal((await SecretsOfAsync(id))[0], renewed.PushSecret);
    }

    [Fact]
    public async Task RenewToken_StreamPlugin_NoSecret()
    {
        var id = TestManifests.NewId("stream");
        await registry.Host.InstallAsync(id);
        var registered = await RegisterAsync(id, TestManifests.Json(id));

        var renewed = await registry.Host.Plugins.RenewTokenAsync(new RenewTokenRequest(), RegistryHost.PluginHeaders(registered.Token), cancellationToken: Ct);

        Assert.Empty(renewed.PushSecret);
    }

    [Fact]
    public async Task ListPushTargets_OverlapEnded_OnlyTheNewSecret()
    {
        // A little ahead of the real clock, so the administrator tokens minted on the real clock are already valid.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30));
        await using var timed = new WebhookRegistry(postgres, nats) { Clock = clock };
        await timed.InitializeAsync();
        var id = TestManifests.NewId("push");
        var manifest = PushManifest(id);
        await timed.Host.InstallAsync(id, manifestJson: manifest);
        // Register and rotate through the registry that runs on the fake clock (timed.Host's own channel does not).
        await new PluginRegistry.PluginRegistryClient(timed.Channel).RegisterAsync(new RegisterRequest
        {
            ManifestJson = manifest,
            Address = "http://127.0.0.1:5300",
            RegistrationCredential = timed.Host.CredentialOf(id)!,
        }, cancellationToken: Ct);
        await new RegistryAdmin.RegistryAdminClient(timed.Channel).RotatePushSecretAsync(
            new RotatePushSecretRequest { Id = id, Reason = "rotation" }, timed.Manager, cancellationToken: Ct);
        var during = await TimedSecretsAsync(timed, clock, id);

        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        var lastSecond = await TimedSecretsAsync(timed, clock, id);
        clock.Advance(TimeSpan.FromSeconds(1));
        var after = await TimedSecretsAsync(timed, clock, id);

        Assert.Equal(2, during.Count);
        Assert.Equal(during, lastSecond);
        Assert.Equal([during[0]], after);
    }

    [Theory]
    [InlineData("00:15:00")]
    [InlineData("31.00:00:00")]
    public async Task Start_OverlapNotLongerThanTokenLifetimeOrAboveThirtyDays_FailsNamingTheKey(string overlap)
    {
        var settings = registry.Host.Settings();
        settings["Fabrix:Registry:TokenLifetime"] = "00:15:00";
        settings["Fabrix:Registry:PushSecrets:Overlap"] = overlap;
        await using var factory = new RegistryFactory(settings);

        var error = factory.StartupFailure();

        Assert.Contains("Fabrix:Registry:PushSecrets:Overlap", error.Message, StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<string>> TimedSecretsAsync(WebhookRegistry timed, TimeProvider clock, string id)
    {
        var headers = new Metadata
        {
            { "authorization", $"Bearer {ServiceToken.Mint(timed.DeliveryKey, WebhookRegistry.DeliveryService, clock, TimeSpan.FromMinutes(4))}" },
        };
        var targets = await new PushTargets.PushTargetsClient(timed.Channel).ListPushTargetsAsync(new ListPushTargetsRequest(), headers, cancellationToken: Ct);
        return [.. Assert.Single(targets.Targets, t => t.PluginId == id).Secrets];
    }

    private async Task<string> RegisteredPushPluginAsync()
    {
        var id = TestManifests.NewId("push");
        var manifest = PushManifest(id);
        await registry.Host.InstallAsync(id, manifestJson: manifest);
        await RegisterAsync(id, manifest);
        return id;
    }

    private async Task<IReadOnlyList<string>> SecretsOfAsync(string id)
    {
        var targets = await Targets.ListPushTargetsAsync(new ListPushTargetsRequest(), registry.ServiceHeaders(), cancellationToken: Ct);
        return [.. Assert.Single(targets.Targets, t => t.PluginId == id).Secrets];
    }

    private async Task<TokenResponse> RegisterAsync(string id, string manifest) =>
        await registry.Host.Plugins.RegisterAsync(new RegisterRequest
        {
            ManifestJson = manifest,
            Address = "http://127.0.0.1:5300",
            RegistrationCredential = registry.Host.CredentialOf(id)!,
        }, cancellationToken: Ct);

    private static string PushManifest(string id)
    {
        var manifest = TestManifests.Manifest(id);
        manifest["events"] = new JsonObject
        {
            ["subscribes"] = new JsonArray("UserDeleted"),
            ["delivery"] = "push",
            ["push_path"] = "/fabrix/events",
        };
        return manifest.ToJsonString();
    }
}
