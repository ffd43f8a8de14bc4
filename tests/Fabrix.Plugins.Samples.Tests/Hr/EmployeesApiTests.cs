using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Fabrix.Contracts.Manifests;
using Fabrix.Plugins.Samples.Hr;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Fabrix.Plugins.Samples.Tests.Hr;

/// <summary>
/// The hr sample in process, with its registry and Core.Events out of reach: its API validates with field paths,
/// keeps an employee whose UserCreated could not be published (503, repeat the request) and refuses another employee
/// under the same id. Publishing for real is the end-to-end test's (EventsTests).
/// </summary>
public sealed class EmployeesApiTests : IAsyncLifetime
{
    private readonly CallerContextIssuer _gateway = new();
    private ScriptedCallerKeysServer _keys = null!;
    private HrFactory _factory = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _keys = await ScriptedCallerKeysServer.StartAsync(_gateway.KeySet(), Cancel);
        _factory = new HrFactory(_keys.PluginConfiguration());
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _keys.DisposeAsync();
        _gateway.Dispose();
    }

    [Fact]
    public void Manifest_PublishesUserCreated_IsValidWithThePiiTrait()
    {
        var result = ManifestValidator.Validate(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hr-manifest.json")));

        Assert.Empty(result.Errors);
        Assert.Equal(["UserCreated"], result.Manifest!.Events.Publishes);
        Assert.Contains("handles_pii", result.Manifest.Traits);
    }

    [Fact]
    public async Task AddEmployee_InvalidFields_400WithEveryFieldPath()
    {
        using var http = CallerClient();

        using var response = await http.PostAsJsonAsync("/api/users", new { id = "has space", display_name = "", email = "no-at-sign" }, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("errors");
        Assert.Equal(["display_name", "email", "id"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AddEmployee_NotRegisteredSoNotPublished_503KeptAndOtherDataUnderTheIdIs409()
    {
        using var http = CallerClient();

        using var first = await http.PostAsJsonAsync("/api/users", new { id = "u-1", display_name = "Ada" }, Cancel);
        using var other = await http.PostAsJsonAsync("/api/users", new { id = "u-1", display_name = "Grace" }, Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("EVENTS_UNAVAILABLE", JsonDocument.Parse(await first.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
    }

    [Fact]
    public async Task AddEmployee_WithoutCallerContext_401()
    {
        using var http = _factory.CreateClient();

        using var response = await http.PostAsJsonAsync("/api/users", new { id = "u-2", display_name = "Ada" }, Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private HttpClient CallerClient()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _gateway.Mint("user-management", "hr"));
        return client;
    }

    /// <summary>The real hr app; the registry and Core.Events are loopback ports nobody listens on.</summary>
    private sealed class HrFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<HrApp>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("services:registry:grpc:0", $"http://127.0.0.1:{FreePort.Next()}");
            builder.UseSetting("Fabrix:Plugin:EventsAddress", $"http://127.0.0.1:{FreePort.Next()}");
            builder.UseSetting("Fabrix:Plugin:Address", "http://127.0.0.1:5215");
            builder.UseSetting("Fabrix:Plugin:RegistrationCredential", "fxrc_0123456789abcdef_unused-because-the-registry-is-unreachable");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
