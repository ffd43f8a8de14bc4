using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// The gateway's refusals on the running platform (issue 10, "Tests that must exist"): callers are test plugins
/// installed and registered for each test (registered at the registry's own address, whose <c>/health</c> answers).
/// </summary>
[Collection(SamplePlugins.Collection)]
public sealed class GatewayPolicyTests(PlatformFixture platform) : IDisposable
{
    private readonly GrpcChannel _registry = GrpcChannel.ForAddress(platform.RegistryGrpcUrl);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _registry.Dispose();

    [Fact]
    public async Task Gateway_UndeclaredEndpoint_RefusedWithItsReasonAndAudited()
    {
        var (caller, token) = await InstallCallerAsync("user-management");
        using var gateway = Gateway(token);

        // Until the gateway holds a snapshot with the new caller, its token is unknown there (401): wait for that, not longer.
        using var response = await Eventually.ForAsync(async () => await gateway.GetAsync("/user-management/api/secrets/1?q=x", Ct),
            found => found.StatusCode != HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30), "the gateway knows the new caller", Ct,
            every: TimeSpan.FromMilliseconds(200));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("ENDPOINT_NOT_DECLARED", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        var audit = new AuditLog.AuditLogClient(_registry);
        var record = await Eventually.ForAsync(async () =>
            (await audit.QueryAuditAsync(new QueryAuditRequest { Filter = new AuditFilter { Lane = "operator", Plugin = caller }, PageSize = 50 }, Admin(), cancellationToken: Ct))
                .Records.FirstOrDefault(r => r.Reason == "ENDPOINT_NOT_DECLARED"),
            found => found is not null, TimeSpan.FromSeconds(60), "the refusal is in the registry's audit", Ct);
        Assert.Equal(("refused", "user-management /user-management/api/secrets/1"), (record!.Outcome, record.Target));
        var attributes = JsonSerializer.Deserialize<JsonElement>(record.DetailsJson).GetProperty("attributes");
        Assert.Equal(("GET", "403", "http"), (attributes.GetProperty("method").GetString(), attributes.GetProperty("status").GetString(),
            attributes.GetProperty("protocol").GetString()));
    }

    [Fact]
    public async Task Gateway_CallerOverItsRateOverride_TooManyRequestsWithRetryAfter()
    {
        var (caller, token) = await InstallCallerAsync("user-management");
        await new PolicyAdmin.PolicyAdminClient(_registry).SetLaneLimitsAsync(new SetLaneLimitsRequest
        {
            PluginId = caller,
            Operator = new OperatorLaneLimits { RequestsPerSecond = 0.01, Burst = 1 },
            Reason = "e2e: a noisy caller",
        }, Admin(), cancellationToken: Ct);
        using var gateway = Gateway(token);

        // The override reaches the gateway with the policy snapshot; from then on the second call in 100 s is over the rate.
        using var limited = await Eventually.ForAsync(async () => await gateway.GetAsync("/user-management/api/users/nobody", Ct),
            found => found.StatusCode == HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(30), "a call over the override is refused", Ct,
            every: TimeSpan.FromMilliseconds(200));

        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("RATE_LIMITED", (await limited.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Gateway_UnhealthyTarget_ServiceUnavailableWithItsReason()
    {
        var target = "e2e-gw-down-" + Guid.NewGuid().ToString("N")[..8];
        // Registered at a port nothing listens on: the registry's health monitoring finds it unhealthy.
        await InstallAsync(Manifest(target, []), $"http://127.0.0.1:{FreePort.Next()}");
        var (_, token) = await InstallCallerAsync(target);
        await platform.WaitForPluginAsync(target, p => p.Summary.Health == HealthState.Unhealthy, TimeSpan.FromMinutes(2));
        using var gateway = Gateway(token);

        using var refused = await Eventually.ForAsync(async () => await gateway.GetAsync($"/{target}/api/users/1", Ct),
            found => found.StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), "the unhealthy target is refused", Ct,
            every: TimeSpan.FromMilliseconds(200));

        Assert.Equal("TARGET_UNHEALTHY", (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
    }

    private HttpClient Gateway(string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(platform.GatewayUrl) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    private Metadata Admin() => new() { { "authorization", $"Bearer {platform.AdminToken()}" } };

    private async Task<(string Id, string Token)> InstallCallerAsync(string target)
    {
        var caller = "e2e-gw-caller-" + Guid.NewGuid().ToString("N")[..8];
        var token = await InstallAsync(Manifest(caller, [target]), platform.RegistryHttpUrl);
        await platform.WaitForPluginAsync(caller, p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(1));
        return (caller, token);
    }

    /// <summary>Installs <paramref name="manifest"/> (enabled on register), registers it at <paramref name="address"/> and returns its plugin token.</summary>
    private async Task<string> InstallAsync(JsonObject manifest, string address)
    {
        var installed = await platform.Admin().InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true },
            cancellationToken: Ct);
        using var registry = new HttpClient { BaseAddress = new Uri(platform.RegistryHttpUrl) };
        using var response = await registry.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest.DeepClone(),
            ["address"] = address,
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.IsSuccessStatusCode, $"register: {(int)response.StatusCode} {body}");
        return body.GetProperty("token").GetString()!;
    }

    private static JsonObject Manifest(string id, string[] dependencies) => new()
    {
        ["id"] = id,
        ["name"] = $"Plugin {id}",
        ["version"] = "1.0.0",
        ["description"] = "A caller or target of the gateway's end-to-end tests",
        ["contracts"] = new JsonArray("ProcessingPlugin"),
        ["traits"] = new JsonArray("handles_pii", "audit_required"),
        ["dependencies"] = new JsonArray([.. dependencies.Select(d => (JsonNode)d)]),
        ["allowed_domains"] = new JsonArray(),
        ["endpoints"] = new JsonObject { ["health"] = "GET /health", ["user_info"] = "GET /api/users/{id}" },
        ["security"] = new JsonObject { ["authentication_required"] = true, ["data_classification"] = new JsonArray("pii", "internal") },
        ["compliance"] = new JsonObject { ["audit_level"] = "detailed" },
    };
}
