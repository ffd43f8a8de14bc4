using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.Core.Registry.Tests.Registration;

/// <summary>Issue 7 section 1: a plugin proves who it is at registration; the manifest alone proves nothing.</summary>
public sealed class RegistrationCredentialTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InstallPlugin_IssuesCredentialOnce_DetailCarriesMetadataOnlyAndOnlyTheHashIsStored()
    {
        var id = TestManifests.NewId("issued");

        var response = await host.Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = TestManifests.Json(id) }, host.Manager, cancellationToken: Ct);

        var secret = response.RegistrationCredential.Secret;
        var credentialId = response.RegistrationCredential.Info.CredentialId;
        Assert.Matches("^fxrc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", secret);
        Assert.StartsWith($"fxrc_{credentialId}_", secret, StringComparison.Ordinal);
        Assert.Equal("user:morgan", response.RegistrationCredential.Info.IssuedBy);
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        Assert.Equal(credentialId, detail.RegistrationCredential.CredentialId);
        Assert.DoesNotContain(secret, detail.ToString(), StringComparison.Ordinal);
        var storedHash = await host.ScalarAsync<byte[]>("select secret_sha256 from registration_credentials where credential_id = @id", ("id", credentialId));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(secret[$"fxrc_{credentialId}_".Length..])), storedHash);
        Assert.DoesNotContain(await host.AuditRowsAsync(id), r => r.Details.Contains(secret[^43..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task RegisterRest_NoCredential_Returns401AuditedAsAnonymousWithClaimedId()
    {
        var id = TestManifests.NewId("nocred");
        await host.InstallAsync(id);

        using var response = await host.RegisterRestAsync(TestManifests.Manifest(id), address: "http://127.0.0.2:5200", credential: string.Empty);

        await AssertRefusedAsync(response, id, "No registration credential");
    }

    [Fact]
    public async Task RegisterRest_WrongCredential_Returns401()
    {
        var id = TestManifests.NewId("wrong");
        await host.InstallAsync(id);
        var real = host.CredentialOf(id)!;
        var forged = real[..^4] + (real.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        using var response = await host.RegisterRestAsync(TestManifests.Manifest(id), address: "http://127.0.0.2:5200", credential: forged);

        await AssertRefusedAsync(response, id, "wrong");
    }

    [Fact]
    public async Task RegisterRest_AnotherPluginsCredential_Returns401()
    {
        var victim = TestManifests.NewId("victim");
        var attacker = TestManifests.NewId("attacker");
        await host.InstallAsync(victim);
        await host.InstallAsync(attacker);

        using var response = await host.RegisterRestAsync(TestManifests.Manifest(victim), address: "http://127.0.0.2:5200", credential: host.CredentialOf(attacker));

        await AssertRefusedAsync(response, victim, "wrong");
    }

    [Fact]
    public async Task RegisterGrpc_WrongCredential_IsUnauthenticatedAndAudited()
    {
        var id = TestManifests.NewId("grpcwrong");
        await host.InstallAsync(id);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Plugins.RegisterAsync(
            new RegisterRequest { ManifestJson = TestManifests.Json(id), Address = "http://127.0.0.2:5200", RegistrationCredential = "fxrc_0123456789abcdef_nope" },
            cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("INVALID_REGISTRATION_CREDENTIAL", error.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
        var row = Assert.Single(await host.AuditRowsAsync(id), r => r.Action == "plugin.register");
        Assert.Equal(("refused", "anonymous"), (row.Outcome, row.Actor));
        Assert.Equal("0123456789abcdef", Details(row).GetProperty("credential_id").GetString());
        Assert.DoesNotContain("nope", row.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterRest_RevokedCredential_Returns401UntilRotated()
    {
        var id = TestManifests.NewId("revoked");
        await host.InstallAsync(id);
        var revoked = host.CredentialOf(id)!;
        var detail = await host.Admin.RevokeRegistrationCredentialAsync(new RegistrationCredentialRequest { Id = id, Reason = "leaked" }, host.Manager, cancellationToken: Ct);

        using var refused = await host.RegisterRestAsync(TestManifests.Manifest(id), credential: revoked);
        await AssertRefusedAsync(refused, id, "revoked");
        Assert.NotNull(detail.RegistrationCredential.RevokedAt);
        Assert.Equal("user:morgan", detail.RegistrationCredential.RevokedBy);
        Assert.Contains(await host.AuditRowsAsync(id), r => r is { Action: "plugin.credential.revoke", Outcome: "succeeded", Reason: "leaked" });

        var rotated = await host.RotateCredentialAsync(id);
        Assert.NotEqual(revoked, rotated.Credential.Secret);
        Assert.Null(rotated.Plugin.RegistrationCredential.RevokedAt);
        await host.RegisterRestOkAsync(id);
    }

    [Fact]
    public async Task RegisterRest_RotatedAwayCredential_Returns401AndTheNewOneWorks()
    {
        var id = TestManifests.NewId("rotated");
        await host.InstallAsync(id);
        var old = host.CredentialOf(id)!;

        var rotated = await host.RotateCredentialAsync(id);

        using var refused = await host.RegisterRestAsync(TestManifests.Manifest(id), credential: old);
        await AssertRefusedAsync(refused, id, "replaced by a rotation");
        var rotation = Assert.Single(await host.AuditRowsAsync(id), r => r.Action == "plugin.credential.rotate");
        Assert.Equal(rotated.Credential.Info.CredentialId, Details(rotation).GetProperty("credential_id").GetString());
        await host.RegisterRestOkAsync(id);
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        Assert.NotNull(detail.RegistrationCredential.LastUsedAt);
    }

    [Fact]
    public async Task RegisterRest_UninstalledIdWithInvalidManifest_IsNotInstalledBeforeAnyValidation()
    {
        var manifest = TestManifests.Manifest(TestManifests.NewId("cheap"));
        manifest["security"]!["authentication_required"] = false;

        using var response = await host.RegisterRestAsync(manifest);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("NOT_INSTALLED", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task RegisterRest_InstalledIdWithInvalidManifestAndNoCredential_Is401NotValidated()
    {
        var id = TestManifests.NewId("cheapcred");
        await host.InstallAsync(id);
        var manifest = TestManifests.Manifest(id);
        manifest["security"]!["authentication_required"] = false;

        using var response = await host.RegisterRestAsync(manifest, credential: string.Empty);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RegisterRest_ClaimedIdOverBound_IsRecordedCutTo128Characters()
    {
        var id = new string('a', 5000);

        using var response = await host.RegisterRestAsync(TestManifests.Manifest(id));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var row = Assert.Single(await host.AuditRowsAsync(new string('a', 128)));
        Assert.Equal("anonymous", row.Actor);
        Assert.Equal(128, Details(row).GetProperty("claimed_plugin_id").GetString()!.Length);
    }

    [Fact]
    public async Task RotateCredential_AuditViewer_IsPermissionDeniedAndAudited()
    {
        var id = TestManifests.NewId("viewer");
        await host.InstallAsync(id);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Admin.RotateRegistrationCredentialAsync(
            new RegistrationCredentialRequest { Id = id }, host.AdminHeaders("vera", AdminRoles.AuditViewer), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains(await host.AuditRowsAsync(id), r => r is { Action: "plugin.credential.rotate", Outcome: "refused", Actor: "user:vera" });
        using var response = await host.RegisterRestAsync(TestManifests.Manifest(id));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RevokeCredential_AlreadyRevoked_IsFailedPreconditionAndAudited()
    {
        var id = TestManifests.NewId("twice");
        await host.InstallAsync(id);
        await host.Admin.RevokeRegistrationCredentialAsync(new RegistrationCredentialRequest { Id = id }, host.Manager, cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Admin.RevokeRegistrationCredentialAsync(
            new RegistrationCredentialRequest { Id = id }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(["succeeded", "refused"], (await host.AuditRowsAsync(id)).Where(r => r.Action == "plugin.credential.revoke").Select(r => r.Outcome));
    }

    [Fact]
    public async Task RotateCredential_NotInstalled_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => host.Admin.RotateRegistrationCredentialAsync(
            new RegistrationCredentialRequest { Id = TestManifests.NewId("ghost") }, host.Manager, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Reinstall_IssuesNewCredential_AndTheOldOneStopsWorking()
    {
        var id = TestManifests.NewId("reinstall");
        await host.InstallAsync(id);
        var first = host.CredentialOf(id)!;
        await host.RegisterRestOkAsync(id);
        await host.Admin.UnregisterPluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);

        await host.InstallAsync(id);

        Assert.NotEqual(first, host.CredentialOf(id));
        using var refused = await host.RegisterRestAsync(TestManifests.Manifest(id), credential: first);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        await host.RegisterRestOkAsync(id);
    }

    [Fact]
    public async Task RegisterRest_FirstRegistration_RecordsAddressWithoutPrevious()
    {
        var id = TestManifests.NewId("first");
        await host.InstallAsync(id);

        await host.RegisterRestOkAsync(id, address: "http://127.0.0.1:5300");

        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        var registered = detail.History[^1];
        Assert.Equal(("http://127.0.0.1:5300", string.Empty), (registered.Address, registered.PreviousAddress));
        Assert.Equal(string.Empty, detail.PreviousAddress);
    }

    [Fact]
    public async Task RegisterRest_AgainFromNewAddress_HistoryAuditAndDetailShowBothAddresses()
    {
        var id = TestManifests.NewId("moved");
        await host.InstallAsync(id, enableOnRegister: true);
        await host.RegisterRestOkAsync(id, address: "http://127.0.0.1:5300");

        await host.RegisterRestOkAsync(id, address: "http://127.0.0.2:5200");

        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        Assert.Equal(("http://127.0.0.2:5200", "http://127.0.0.1:5300"), (detail.Address, detail.PreviousAddress));
        var restart = detail.History[^1];
        Assert.Equal(("http://127.0.0.2:5200", "http://127.0.0.1:5300"), (restart.Address, restart.PreviousAddress));
        Assert.Contains("from a new address", restart.Reason, StringComparison.Ordinal);
        var audit = Details((await host.AuditRowsAsync(id)).Last(r => r is { Action: "plugin.register", Outcome: "succeeded" }));
        Assert.Equal(("http://127.0.0.2:5200", "http://127.0.0.1:5300"),
            (audit.GetProperty("address").GetString(), audit.GetProperty("previous_address").GetString()));
    }

    [Fact]
    public async Task RegisterRest_AgainFromSameAddress_HasNoPreviousAddress()
    {
        var id = TestManifests.NewId("same");
        await host.InstallAsync(id, enableOnRegister: true);
        await host.RegisterRestOkAsync(id, address: "http://127.0.0.1:5300");

        await host.RegisterRestOkAsync(id, address: "http://127.0.0.1:5300");

        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        Assert.Equal(string.Empty, detail.PreviousAddress);
        Assert.Equal(string.Empty, detail.History[^1].PreviousAddress);
    }

    [Theory]
    [InlineData("/plugins/register")]
    [InlineData("/plugins/token")]
    [InlineData("/plugins/some-plugin/heartbeat")]
    public async Task PluginEndpoints_CrossOriginTextPlainPost_Return415WithoutCorsHeaders(string path)
    {
        using var client = host.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("""{"manifest":{},"address":"http://127.0.0.2:5200"}""", Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("Origin", "http://evil.example");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task RegisterRest_CorsPreflight_GetsNoAllowOrigin()
    {
        using var client = host.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, "/plugins/register");
        request.Headers.Add("Origin", "http://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");

        using var response = await client.SendAsync(request, Ct);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task RegisterRest_BodyOverBound_Returns413ProblemDetails()
    {
        using var client = host.Factory.CreateClient();
        var huge = new JsonObject { ["manifest"] = TestManifests.Manifest("big"), ["padding"] = new string('x', 200 * 1024) };

        using var response = await client.PostAsync("/plugins/register", new StringContent(huge.ToJsonString(), Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("REQUEST_TOO_LARGE", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task RegisterRest_ChunkedBodyOverBound_Returns413ProblemDetails()
    {
        using var client = host.Factory.CreateClient();
        var bytes = Encoding.UTF8.GetBytes(new JsonObject { ["padding"] = new string('x', 200 * 1024) }.ToJsonString());
        using var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/plugins/register") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task HeartbeatRest_BodyOverBound_Returns413()
    {
        var id = TestManifests.NewId("bigbeat");
        await host.InstallAsync(id);
        var token = (await host.RegisterRestOkAsync(id)).GetProperty("token").GetString()!;

        using var response = await host.PostWithTokenAsync($"/plugins/{id}/heartbeat", token, new JsonObject { ["padding"] = new string('x', 32 * 1024) });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task RegisterGrpc_ManifestOverBound_IsResourceExhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => host.Plugins.RegisterAsync(
            new RegisterRequest { ManifestJson = new string(' ', 200 * 1024) + "{}", Address = "http://127.0.0.1:1" }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task HeartbeatRest_InvalidToken_IsAuditedAsAnonymousWithClaimedId()
    {
        var id = TestManifests.NewId("beatless");

        using var response = await host.PostWithTokenAsync($"/plugins/{id}/heartbeat", "not-a-token");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var row = Assert.Single(await host.AuditRowsAsync(id));
        Assert.Equal(("plugin.heartbeat", "anonymous"), (row.Action, row.Actor));
        Assert.Equal(id, Details(row).GetProperty("claimed_plugin_id").GetString());
    }

    [Fact]
    public async Task RenewRest_ForgedToken_IsAuditedAsAnonymousWithTheClaimedSubject()
    {
        var id = TestManifests.NewId("forged");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Subject = new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim("sub", id)]),
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
                new Microsoft.IdentityModel.Tokens.ECDsaSecurityKey(key), Microsoft.IdentityModel.Tokens.SecurityAlgorithms.EcdsaSha256),
        });

        using var response = await host.PostWithTokenAsync("/plugins/token", forged);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var row = Assert.Single(await host.AuditRowsAsync(id));
        Assert.Equal(("plugin.token.renew", "anonymous"), (row.Action, row.Actor));
        Assert.Equal(id, Details(row).GetProperty("claimed_plugin_id").GetString());
    }

    private async Task AssertRefusedAsync(HttpResponseMessage response, string id, string reason)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("INVALID_REGISTRATION_CREDENTIAL", problem.GetProperty("code").GetString());
        Assert.Equal("A valid registration credential is required.", problem.GetProperty("title").GetString());
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var row = (await host.AuditRowsAsync(id)).Last(r => r.Action == "plugin.register");
        Assert.Equal(("refused", "anonymous"), (row.Outcome, row.Actor));
        Assert.Equal(id, Details(row).GetProperty("claimed_plugin_id").GetString());
        var detail = await host.Admin.GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        Assert.NotEqual("http://127.0.0.2:5200", detail.Address);
        Assert.DoesNotContain(detail.History, h => h.Actor == $"plugin:{id}" && h.Address == "http://127.0.0.2:5200");
    }

    private static JsonElement Details(AuditRow row) => JsonDocument.Parse(row.Details).RootElement;
}
