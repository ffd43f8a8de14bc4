using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Registry.Tests.Registration;

public sealed class RegistrationTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RegisterRest_InstalledPlugin_ReturnsTokenThatValidatesAgainstJwks()
    {
        var id = TestManifests.NewId("rest");
        await host.InstallAsync(id);

        var body = await host.RegisterRestOkAsync(id);

        Assert.Equal(id, body.GetProperty("plugin_id").GetString());
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal("registered", body.GetProperty("status").GetString());
        var token = body.GetProperty("token").GetString()!;
        var validation = await ValidateAgainstJwksAsync(token);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var jwt = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal(body.GetProperty("key_id").GetString(), jwt.Kid);
        Assert.Equal(id, jwt.Subject);
        Assert.Equal(PluginTokenClaims.Issuer, jwt.Issuer);
        Assert.Equal([PluginTokenClaims.Audience], jwt.Audiences);
        Assert.Equal("1.0.0", jwt.GetClaim(PluginTokenClaims.Version).Value);
        Assert.Equal(["handles_pii", "audit_required"], jwt.Claims.Where(c => c.Type == PluginTokenClaims.Traits).Select(c => c.Value));
        Assert.Equal(["IdentityPlugin"], jwt.Claims.Where(c => c.Type == PluginTokenClaims.Contracts).Select(c => c.Value));
        Assert.Equal(ManifestDigest.Compute(TestManifests.Json(id)), jwt.GetClaim(PluginTokenClaims.ManifestDigest).Value);
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.Equal(TimeSpan.FromMinutes(15), jwt.ValidTo - jwt.IssuedAt);
        Assert.Equal(jwt.ValidTo, body.GetProperty("expires_at").GetDateTimeOffset().UtcDateTime);
    }

    [Fact]
    public async Task RegisterGrpc_InstalledPlugin_ReturnsTokenAndRecordsAddressAndHistory()
    {
        var id = TestManifests.NewId("grpc");
        await host.InstallAsync(id);

        var response = await host.Plugins.RegisterAsync(new RegisterRequest { ManifestJson = TestManifests.Json(id), Address = "http://127.0.0.1:6000", RegistrationCredential = host.CredentialOf(id) }, cancellationToken: Ct);

        Assert.Equal(PluginStatus.Registered, response.Status);
        Assert.True((await ValidateAgainstJwksAsync(response.Token)).IsValid);
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        Assert.Equal("http://127.0.0.1:6000", detail.Address);
        Assert.NotNull(detail.Summary.RegisteredAt);
        Assert.Equal(response.KeyId, detail.Token.KeyId);
        Assert.Equal(response.ExpiresAt, detail.Token.ExpiresAt);
        Assert.Equal(
            [(PluginStatus.Unspecified, PluginStatus.Installed, "user:morgan"), (PluginStatus.Installed, PluginStatus.Registered, $"plugin:{id}")],
            detail.History.Select(h => (h.FromStatus, h.ToStatus, h.Actor)));
    }

    [Fact]
    public async Task RegisterRest_ManifestInsideIsReformatted_IsAcceptedBecauseContentIsIdentical()
    {
        var id = TestManifests.NewId("fmt");
        var installed = TestManifests.Manifest(id);
        await host.InstallAsync(id, manifestJson: installed.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var reordered = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in installed.Reverse())
        {
            reordered[key] = value?.DeepClone();
        }

        using var response = await host.RegisterRestAsync(reordered);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RegisterRest_NotInstalled_Returns403WithReasonAndIsAuditedAsAnonymous()
    {
        var id = TestManifests.NewId("stranger");

        using var response = await host.RegisterRestAsync(TestManifests.Manifest(id));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Contains("is not installed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("NOT_INSTALLED", problem.GetProperty("code").GetString());
        var row = Assert.Single(await host.AuditRowsAsync(id));
        Assert.Equal(("plugin.register", "refused", "anonymous"), (row.Action, row.Outcome, row.Actor));
        Assert.Equal(id, JsonDocument.Parse(row.Details).RootElement.GetProperty("claimed_plugin_id").GetString());
        Assert.Contains("is not installed", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterGrpc_NotInstalled_IsPermissionDenied()
    {
        var id = TestManifests.NewId("stranger");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Plugins.RegisterAsync(new RegisterRequest { ManifestJson = TestManifests.Json(id), Address = "http://127.0.0.1:1" }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("NOT_INSTALLED", error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
    }

    [Fact]
    public async Task RegisterRest_ManifestDiffersFromInstalled_Returns403AndAuditsBothDigests()
    {
        var id = TestManifests.NewId("mismatch");
        await host.InstallAsync(id);

        using var response = await host.RegisterRestAsync(TestManifests.Manifest(id, description: "something else"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("MANIFEST_MISMATCH", problem.GetProperty("code").GetString());
        Assert.Contains("differs in content from the installed manifest", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var refusal = Assert.Single(await host.AuditRowsAsync(id), r => r.Action == "plugin.register");
        Assert.Equal("refused", refusal.Outcome);
        Assert.Contains(ManifestDigest.Compute(TestManifests.Json(id)), refusal.Details, StringComparison.Ordinal);
        Assert.Contains(ManifestDigest.Compute(TestManifests.Json(id, description: "something else")), refusal.Details, StringComparison.Ordinal);
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        Assert.Equal(PluginStatus.Installed, detail.Summary.Status);
    }

    [Fact]
    public async Task RegisterRest_InvalidManifest_Returns400WithErrorsKeyedByJsonPath()
    {
        var id = TestManifests.NewId("bad");
        await host.InstallAsync(id);
        var manifest = TestManifests.Manifest(id);
        manifest["security"]!["authentication_required"] = false;
        manifest["security"]!["data_classification"] = new System.Text.Json.Nodes.JsonArray("pii", "secret");

        using var response = await host.RegisterRestAsync(manifest, address: "ftp://nope");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("$.security.authentication_required", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("$.security.data_classification[1]", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("address", out _), errors.ToString());
    }

    [Fact]
    public async Task RegisterRest_BodyNotJson_Returns400AtRootPath()
    {
        using var client = host.Factory.CreateClient();

        using var response = await client.PostAsync("/plugins/register", new StringContent("not json", System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("$", out _));
    }

    [Fact]
    public async Task RegisterGrpc_InvalidManifest_IsInvalidArgumentWithBadRequestFieldPaths()
    {
        var id = TestManifests.NewId("badgrpc");
        await host.InstallAsync(id);
        var manifest = TestManifests.Manifest(id);
        manifest["security"]!["authentication_required"] = false;

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Plugins.RegisterAsync(new RegisterRequest { ManifestJson = manifest.ToJsonString(), Address = "http://127.0.0.1:1", RegistrationCredential = host.CredentialOf(id) },
                cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var badRequest = error.GetRpcStatus()!.GetDetail<BadRequest>()!;
        Assert.Contains(badRequest.FieldViolations, v => v.Field == "$.security.authentication_required");
    }

    [Fact]
    public async Task RegisterGrpc_ManifestWithoutId_IsInvalidArgumentAtIdPath()
    {
        var manifest = TestManifests.Manifest(TestManifests.NewId("noid"));
        manifest.Remove("id");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Plugins.RegisterAsync(new RegisterRequest { ManifestJson = manifest.ToJsonString(), Address = "http://127.0.0.1:1" }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == "$.id");
    }

    [Fact]
    public async Task RegisterRest_ActivePluginRestarts_StaysActiveAndGetsANewToken()
    {
        var id = TestManifests.NewId("restart");
        await host.InstallAsync(id, enableOnRegister: true);
        var first = await host.RegisterRestOkAsync(id);

        var second = await host.RegisterRestOkAsync(id, address: "http://127.0.0.1:5301");

        Assert.Equal("active", first.GetProperty("status").GetString());
        Assert.Equal("active", second.GetProperty("status").GetString());
        Assert.NotEqual(first.GetProperty("token").GetString(), second.GetProperty("token").GetString());
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        Assert.Equal("http://127.0.0.1:5301", detail.Address);
    }

    [Fact]
    public async Task RegisterRest_EnableOnRegister_BecomesActiveBySystemActor()
    {
        var id = TestManifests.NewId("auto");
        await host.InstallAsync(id, enableOnRegister: true);

        var body = await host.RegisterRestOkAsync(id);

        Assert.Equal("active", body.GetProperty("status").GetString());
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        var last = detail.History[^1];
        Assert.Equal((PluginStatus.Registered, PluginStatus.Active, "system", "enable_on_register"), (last.FromStatus, last.ToStatus, last.Actor, last.Reason));
        var audit = await host.AuditRowsAsync(id);
        Assert.Contains(audit, r => r is { Action: "plugin.enable", Outcome: "succeeded", Actor: "system" });
    }

    [Fact]
    public async Task RenewRest_RegisteredPlugin_IssuesNewTokenAndAudits()
    {
        var id = TestManifests.NewId("renew");
        await host.InstallAsync(id);
        var token = (await host.RegisterRestOkAsync(id)).GetProperty("token").GetString()!;

        using var response = await host.PostWithTokenAsync("/plugins/token", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(id, body.GetProperty("plugin_id").GetString());
        Assert.NotEqual(token, body.GetProperty("token").GetString());
        Assert.True((await ValidateAgainstJwksAsync(body.GetProperty("token").GetString()!)).IsValid);
        Assert.Contains(await host.AuditRowsAsync(id), r => r is { Action: "plugin.token.renew", Outcome: "succeeded" });
    }

    [Fact]
    public async Task RenewRest_DisabledPlugin_Returns409AndIsAudited()
    {
        var id = TestManifests.NewId("disabled");
        await host.InstallAsync(id, enableOnRegister: true);
        var token = (await host.RegisterRestOkAsync(id)).GetProperty("token").GetString()!;
        await host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id, Reason = "quarantine" }, host.Manager, cancellationToken: Ct);

        using var response = await host.PostWithTokenAsync("/plugins/token", token);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Contains("disabled", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(await host.AuditRowsAsync(id), r => r is { Action: "plugin.token.renew", Outcome: "refused" });
    }

    [Fact]
    public async Task RenewGrpc_DisabledPlugin_IsFailedPrecondition()
    {
        var id = TestManifests.NewId("disabled");
        await host.InstallAsync(id, enableOnRegister: true);
        var token = (await host.RegisterRestOkAsync(id)).GetProperty("token").GetString()!;
        await host.Admin.DisablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Plugins.RenewTokenAsync(new RenewTokenRequest(), RegistryHost.PluginHeaders(token), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task RenewRest_NoToken_Returns401()
    {
        using var client = host.Factory.CreateClient();

        using var response = await client.PostAsync("/plugins/token", null, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.e30.AAAA")]
    public async Task RenewRest_MalformedToken_Returns401(string token)
    {
        using var response = await host.PostWithTokenAsync("/plugins/token", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RenewRest_TamperedToken_Returns401()
    {
        var id = TestManifests.NewId("tamper");
        await host.InstallAsync(id);
        var token = (await host.RegisterRestOkAsync(id)).GetProperty("token").GetString()!;
        var parts = token.Split('.');
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(parts[1])).RootElement.GetRawText().Replace(id, "other-plugin", StringComparison.Ordinal);
        var forged = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        using var response = await host.PostWithTokenAsync("/plugins/token", forged);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task HeartbeatRest_OwnRegisteredPlugin_UpdatesLastSeen_HealthStaysUnknownUntilActive()
    {
        var id = TestManifests.NewId("beat");
        await host.InstallAsync(id);
        var token = (await host.RegisterRestOkAsync(id)).GetProperty("token").GetString()!;

        using var response = await host.PostWithTokenAsync($"/plugins/{id}/heartbeat", token, new System.Text.Json.Nodes.JsonObject
        {
            ["metrics"] = new System.Text.Json.Nodes.JsonObject { ["uptime_seconds"] = 12.5 },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("registered", body.GetProperty("status").GetString());
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        // Only active plugins are monitored (HealthMonitoringTests cover heartbeats of active ones).
        Assert.Equal(HealthState.Unknown, detail.Summary.Health);
        Assert.Equal(body.GetProperty("received_at").GetDateTimeOffset(), detail.Summary.LastSeenAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task HeartbeatRest_ForAnotherPlugin_Returns403AndIsAudited()
    {
        var mine = TestManifests.NewId("mine");
        var theirs = TestManifests.NewId("theirs");
        await host.InstallAsync(mine);
        await host.InstallAsync(theirs);
        var token = (await host.RegisterRestOkAsync(mine)).GetProperty("token").GetString()!;
        await host.RegisterRestOkAsync(theirs);

        using var response = await host.PostWithTokenAsync($"/plugins/{theirs}/heartbeat", token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("NOT_OWN_PLUGIN", problem.GetProperty("code").GetString());
        var row = Assert.Single(await host.AuditRowsAsync(theirs), r => r.Action == "plugin.heartbeat");
        Assert.Equal(("refused", $"plugin:{mine}"), (row.Outcome, row.Actor));
    }

    [Fact]
    public async Task HeartbeatGrpc_ForAnotherPlugin_IsPermissionDenied()
    {
        var mine = TestManifests.NewId("mine");
        await host.InstallAsync(mine);
        var token = (await host.RegisterRestOkAsync(mine)).GetProperty("token").GetString()!;

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Plugins.HeartbeatAsync(new HeartbeatRequest { PluginId = "someone-else" }, RegistryHost.PluginHeaders(token), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    private async Task<TokenValidationResult> ValidateAgainstJwksAsync(string token)
    {
        using var client = host.Factory.CreateClient();
        var jwks = new JsonWebKeySet(await client.GetStringAsync(PluginTokenClaims.JwksPath, Ct));
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = PluginTokenClaims.Issuer,
            ValidAudience = PluginTokenClaims.Audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        });
    }
}
