using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// The Proxy lane on the running platform (issue 12 section 5): notifications reaches the local "internet" receiver
/// only through Core.Proxy; a non-allowlisted host, the metadata address and localhost are refused even for a plugin
/// whose allowlist names them; the kill switch stops everything; every decision is in the audit log.
/// </summary>
[Collection(SamplePlugins.Collection)]
public sealed class EgressTests(PlatformFixture platform)
{
    private const string ReceiverHost = "receiver.fabrix.test";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Notifications_Send_ArrivesAtTheReceiverThroughTheProxyAndIsAudited()
    {
        await platform.WaitForPluginAsync("notifications", p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));
        var message = "e2e-" + Guid.NewGuid().ToString("N");
        using var notifications = new HttpClient { BaseAddress = new Uri(platform.NotificationsUrl) };
        notifications.DefaultRequestHeaders.Authorization = new("Bearer", platform.CallerContext("accounting", "notifications"));

        // The proxy learns of the plugin's registration through its policy snapshot: until then it refuses the token.
        var sent = await Eventually.ForAsync(async () =>
        {
            using var response = await notifications.PostAsJsonAsync("/api/notifications", new { message }, Ct);
            return (response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>(Ct));
        }, r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "notifications sends through the proxy", Ct);

        Assert.Equal(1024, sent.Body.GetProperty("receiver_bytes").GetInt32());
        using var receiver = new HttpClient { BaseAddress = new Uri(platform.ReceiverUrl) };
        var received = await receiver.GetFromJsonAsync<JsonElement>("/received", Ct);
        var arrived = received.EnumerateArray().Single(r => r.GetProperty("body").GetString()!.Contains(message, StringComparison.Ordinal));
        Assert.Equal(("POST", "/notify", "127.0.0.2"), (arrived.GetProperty("method").GetString(), arrived.GetProperty("target").GetString(), arrived.GetProperty("via").GetString()));
        await AssertAuditedAsync("notifications", "succeeded", "allowed");
    }

    [Fact]
    public async Task TamperedAllowlist_NotAllowlistedMetadataAndLocalhost_RefusedWithTheirReasonsAndAudited()
    {
        // allowed_domains cannot name localhost or an address (the validator refuses them at install, and the registry
        // validates the pinned manifest again for the snapshot). The widest tampering left is a wildcard over names the
        // AppHost's test-only host map resolves to loopback and to the metadata address: the addresses must refuse them.
        var (id, token) = await InstallEgressPluginAsync("*.fabrix.test");
        using var proxied = ProxiedClient(token);
        await WaitUntilTheProxyKnowsAsync(proxied);

        var (notListed, notListedReason) = await SendAsync(proxied, "http://example.com/");
        var (metadataLiteral, metadataLiteralReason) = await SendAsync(proxied, "http://169.254.169.254/latest/meta-data/");
        var (metadataName, metadataNameReason) = await SendAsync(proxied, "http://metadata.fabrix.test/latest/meta-data/");
        var (localhost, localhostReason) = await SendAsync(proxied, $"http://localhost:{ReceiverPort}/received");
        var (loopbackName, loopbackNameReason) = await SendAsync(proxied, $"http://loopback.fabrix.test:{ReceiverPort}/received");

        Assert.Equal((HttpStatusCode.Forbidden, "not_allowlisted"), (notListed, notListedReason));
        Assert.Equal((HttpStatusCode.Forbidden, "metadata"), (metadataLiteral, metadataLiteralReason));
        Assert.Equal((HttpStatusCode.Forbidden, "metadata"), (metadataName, metadataNameReason));
        Assert.Equal((HttpStatusCode.Forbidden, "not_allowlisted"), (localhost, localhostReason));
        Assert.Equal((HttpStatusCode.Forbidden, "loopback"), (loopbackName, loopbackNameReason));
        foreach (var reason in new[] { "not_allowlisted", "metadata", "loopback" })
        {
            await AssertAuditedAsync(id, "refused", reason);
        }
    }

    [Fact]
    public async Task KillSwitch_On_RefusesEverythingWithinOneSecondAndIsAudited()
    {
        var (id, token) = await InstallEgressPluginAsync(ReceiverHost);
        using var proxied = ProxiedClient(token);
        await WaitUntilTheProxyKnowsAsync(proxied);
        using var channel = GrpcChannel.ForAddress(platform.RegistryGrpcUrl);
        var policy = new PolicyAdmin.PolicyAdminClient(channel);
        var admin = new Metadata { { "authorization", "Bearer " + platform.AdminToken() } };

        await policy.SetPolicySwitchAsync(new SetPolicySwitchRequest { Name = PolicySwitchName.EgressKill, On = true, Reason = "e2e kill switch" }, admin, cancellationToken: Ct);
        try
        {
            var refused = await Eventually.ForAsync(() => SendAsync(proxied, $"http://{ReceiverHost}:{ReceiverPort}/killed"),
                r => r.Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(1), "the kill switch refuses", Ct, every: TimeSpan.FromMilliseconds(20));

            Assert.Equal("egress_disabled", refused.Reason);
        }
        finally
        {
            await policy.SetPolicySwitchAsync(new SetPolicySwitchRequest { Name = PolicySwitchName.EgressKill, On = false, Reason = "e2e kill switch over" }, admin, cancellationToken: Ct);
        }

        await Eventually.ForAsync(() => SendAsync(proxied, $"http://{ReceiverHost}:{ReceiverPort}/revived"), r => r.Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "the proxy allows again", Ct);
        // The decision audit is asynchronous (the lane's publisher lingers for more records, the registry ingests them):
        // wait for the refusal's row rather than reading the log once.
        await Eventually.UntilAsync(async () => (await QueryProxyAuditAsync(string.Empty)).Any(r => r.Reason == "egress_disabled" && r.Outcome == "refused"),
            TimeSpan.FromSeconds(30), "the kill switch's refusal in the audit log", Ct);
        await AssertAuditedAsync(id, "succeeded", "allowed");
    }

    private int ReceiverPort => new Uri(platform.ReceiverUrl).Port;

    private HttpClient ProxiedClient(string token)
    {
        var handler = new SocketsHttpHandler { UseProxy = true, Proxy = new WebProxy(platform.ProxyUrl) { BypassProxyOnLocal = false }, AllowAutoRedirect = false };
        var client = new HttpClient(handler);
        client.DefaultRequestHeaders.ProxyAuthorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<(HttpStatusCode Status, string? Reason)> SendAsync(HttpClient proxied, string url)
    {
        using var response = await proxied.GetAsync(url, Ct);
        return (response.StatusCode, response.Headers.TryGetValues("Fabrix-Egress-Reason", out var values) ? values.Single() : null);
    }

    /// <summary>The proxy refuses a token until its policy snapshot holds the plugin as active.</summary>
    private async Task WaitUntilTheProxyKnowsAsync(HttpClient proxied) =>
        await Eventually.ForAsync(() => SendAsync(proxied, $"http://{ReceiverHost}:{ReceiverPort}/hello"), r => r.Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "the proxy allows the new plugin", Ct);

    /// <summary>Installs and registers a plugin with trait external_service and <paramref name="allowedDomains"/>; returns its id and token.</summary>
    private async Task<(string Id, string Token)> InstallEgressPluginAsync(params string[] allowedDomains)
    {
        var id = "e2e-egress-" + Guid.NewGuid().ToString("N")[..8];
        var manifest = new JsonObject
        {
            ["id"] = id,
            ["name"] = $"Plugin {id}",
            ["version"] = "1.0.0",
            ["description"] = "An e2e plugin that reaches the internet",
            ["contracts"] = new JsonArray("ProcessingPlugin"),
            ["traits"] = new JsonArray("external_service"),
            ["dependencies"] = new JsonArray(),
            ["allowed_domains"] = new JsonArray([.. allowedDomains.Select(d => (JsonNode)d)]),
            ["endpoints"] = new JsonObject { ["health"] = "/health" },
            ["security"] = new JsonObject { ["authentication_required"] = true, ["data_classification"] = new JsonArray("internal") },
            ["compliance"] = new JsonObject { ["audit_level"] = "detailed" },
        };
        var installed = await platform.Admin("e2e", AdminRoles.PluginManager)
            .InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString(), EnableOnRegister = true }, cancellationToken: Ct);
        using var registry = new HttpClient { BaseAddress = new Uri(platform.RegistryHttpUrl) };
        using var response = await registry.PostAsJsonAsync("/plugins/register", new JsonObject
        {
            ["manifest"] = manifest.DeepClone(),
            ["address"] = "http://127.0.0.1:9",
            ["registration_credential"] = installed.RegistrationCredential.Secret,
        }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.IsSuccessStatusCode, $"register {id}: {(int)response.StatusCode} {body}");
        return (id, body.GetProperty("token").GetString()!);
    }

    private async Task AssertAuditedAsync(string pluginId, string outcome, string reason) =>
        await Eventually.UntilAsync(async () => (await QueryProxyAuditAsync(pluginId)).Any(r => r.Outcome == outcome && r.Reason == reason),
            TimeSpan.FromSeconds(30), $"a proxy decision {outcome}/{reason} for {pluginId} in the audit log", Ct);

    private async Task<IReadOnlyList<AuditRecord>> QueryProxyAuditAsync(string pluginId)
    {
        using var channel = GrpcChannel.ForAddress(platform.RegistryGrpcUrl);
        var audit = new AuditLog.AuditLogClient(channel);
        var page = await audit.QueryAuditAsync(new QueryAuditRequest { Filter = new AuditFilter { Lane = "proxy", Plugin = pluginId }, PageSize = 500, NewestFirst = true },
            new Metadata { { "authorization", "Bearer " + platform.AdminToken("e2e", AdminRoles.AuditViewer) } }, cancellationToken: Ct);
        return page.Records;
    }
}
