using System.Net.Http.Json;
using System.Text.Json;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Registry.Tests.Hosting;

public sealed class RestartTests(PostgresServer postgres, NatsServer nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restart_SameDatabaseAndKeyRing_KeepsPluginsStatusKeysAndAudit()
    {
        await using var host = new RegistryHost(postgres, nats);
        await host.InitializeAsync();
        var id = TestManifests.NewId("durable");
        await host.InstallAsync(id);
        var registered = await host.RegisterRestOkAsync(id);
        await host.Admin.EnablePluginAsync(new PluginTransitionRequest { Id = id }, host.Manager, cancellationToken: Ct);
        var token = registered.GetProperty("token").GetString()!;
        var auditBefore = await host.AuditRowsAsync(id);
        await host.Factory.DisposeAsync();

        var (restarted, channel) = host.Start();
        var detail = await new RegistryAdmin.RegistryAdminClient(channel).GetPluginAsync(new GetPluginRequest { Id = id }, host.Manager, cancellationToken: Ct);
        using var client = restarted.CreateClient();
        var jwks = new JsonWebKeySet(await client.GetStringAsync(PluginTokenClaims.JwksPath, Ct));
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = PluginTokenClaims.Issuer,
            ValidAudience = PluginTokenClaims.Audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        using var renewal = await host.PostWithTokenAsync("/plugins/token", token, factory: restarted);
        var renewed = await renewal.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(PluginStatus.Active, detail.Summary.Status);
        Assert.Equal("http://127.0.0.1:5300", detail.Address);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.True(renewal.IsSuccessStatusCode, renewed.ToString());
        Assert.Equal(registered.GetProperty("key_id").GetString(), renewed.GetProperty("key_id").GetString());
        Assert.Equal(auditBefore.Select(r => r.Action), (await host.AuditRowsAsync(id)).Take(auditBefore.Count).Select(r => r.Action));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from signing_keys"));
    }
}
