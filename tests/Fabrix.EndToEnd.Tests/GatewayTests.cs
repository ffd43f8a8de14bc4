using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fabrix.Contracts.Registry.V1;
using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>The Operator lane on the running platform (issue 10): accounting reads user-management only through the gateway.</summary>
[Collection(SamplePlugins.Collection)]
public sealed class GatewayTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Accounting_AccountOfAUser_ReadsTheProfileOverHttpAndTheApproverOverGrpcThroughTheGateway()
    {
        await platform.WaitForPluginAsync("accounting", p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));
        var id = "e2e-gw-" + Guid.NewGuid().ToString("N")[..8];
        var manager = id + "-boss";
        using (var users = new HttpClient { BaseAddress = new Uri(platform.SamplePluginUrl) })
        {
            users.DefaultRequestHeaders.Authorization = new("Bearer", platform.CallerContext("accounting", "user-management"));
            using var boss = await users.PostAsJsonAsync("/api/users", new { id = manager, display_name = "Ada Lovelace", email = $"{manager}@example.com" }, Ct);
            Assert.Equal(HttpStatusCode.Created, boss.StatusCode);
            using var created = await users.PostAsJsonAsync("/api/users",
                new { id, display_name = "Grace Hopper", email = $"{id}@example.com", department = "Navy", manager }, Ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var accounting = new HttpClient { BaseAddress = new Uri(platform.AccountingUrl) };
        accounting.DefaultRequestHeaders.Authorization = new("Bearer", platform.CallerContext("user-management", "accounting"));
        using var response = await accounting.GetAsync($"/api/accounts/{id}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var account = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Grace Hopper", account.GetProperty("display_name").GetString());
        // The approver comes from user-management's UserDirectory/GetUser, called over gRPC through the gateway's h2c endpoint.
        Assert.Equal((manager, "Ada Lovelace"),
            (account.GetProperty("approver").GetProperty("user_id").GetString(), account.GetProperty("approver").GetProperty("display_name").GetString()));
    }

    [Fact]
    public async Task UserManagement_DirectCallWithoutCallerContext_Is401()
    {
        using var http = new HttpClient { BaseAddress = new Uri(platform.SamplePluginUrl) };

        using var response = await http.GetAsync("/api/users/anyone", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Gateway_CallWithoutPluginToken_Is401WithItsCode()
    {
        using var http = new HttpClient { BaseAddress = new Uri(platform.GatewayUrl) };

        using var response = await http.GetAsync("/user-management/api/users/anyone", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("CALLER_TOKEN_MISSING", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
    }
}
