using System.Text.Json.Nodes;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Core.Registry.Tests.Webhooks;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Core.Registry.Tests.Registration;

/// <summary>Per-plugin push secrets (issue 11 section 3): issued at registration, kept, stored encrypted, read only by Core.Events.</summary>
public sealed class PushSecretTests(WebhookRegistry registry) : IClassFixture<WebhookRegistry>
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
