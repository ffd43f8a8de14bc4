using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Plugins.Samples.Accounting;
using Fabrix.Plugins.Samples.Contracts.Users.V1;
using Fabrix.Plugins.Sdk;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Testing;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Plugins.Samples.Tests.Accounting;

/// <summary>
/// The accounting sample in process (issue 10 section 7): it reads user-management only through the gateway, the
/// profile over HTTP and the approver over gRPC, with its own token; the test kit plays the registry, the gateway
/// (recording every header) and the registry's caller-context keys. Its own API needs a caller context too.
/// </summary>
public sealed class AccountsTests(PostgresServer postgres) : IAsyncLifetime
{
    private readonly ScriptedPluginRegistry _registry = new(TimeProvider.System) { PluginId = "accounting", Status = PluginStatus.Active };
    private readonly CallerContextIssuer _issuer = new();
    private ScriptedRegistryServer _registryServer = null!;
    private ScriptedGatewayServer _gateway = null!;
    private ScriptedCallerKeysServer _keys = null!;
    private AccountingFactory _factory = null!;
    private string _database = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>What the scripted gateway's user-management answers over HTTP; 200 unless a test changes it.</summary>
    private int _profileStatus = StatusCodes.Status200OK;

    public async ValueTask InitializeAsync()
    {
        _registryServer = await ScriptedRegistryServer.StartAsync(_registry, cancellationToken: Cancel);
        _keys = await ScriptedCallerKeysServer.StartAsync(_issuer.KeySet(), Cancel);
        _gateway = await ScriptedGatewayServer.StartAsync(app =>
        {
            app.MapGet("/user-management/api/users/{id}", (string id) => id == "jdoe" && _profileStatus == StatusCodes.Status200OK
                ? Results.Text("""{"id":"jdoe","display_name":"Jane Doe","email":"jane@example.com","department":"Finance","manager":"asmith","attributes":{}}""", "application/json")
                : Results.Problem(statusCode: id == "jdoe" ? _profileStatus : StatusCodes.Status404NotFound));
            app.MapGrpcService<ScriptedUserDirectory>();
        }, cancellationToken: Cancel);
        // Its own database (account opening) and a Core.Events address nobody listens on: these tests are about the
        // gateway; the UserCreated subscription keeps retrying in the background.
        _database = await postgres.CreateDatabaseAsync("accounting");
        _factory = new AccountingFactory([.. _registryServer.PluginConfiguration(), .. _keys.PluginConfiguration(), .. _gateway.PluginConfiguration(),
            new("ConnectionStrings:accounting", _database), new("Fabrix:Plugin:EventsAddress", $"http://127.0.0.1:{FreePort.Next()}")]);
        await _factory.Services.GetRequiredService<IFabrixPlugin>().WaitForRegistrationAsync(Cancel).WaitAsync(TimeSpan.FromSeconds(15), Cancel);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _gateway.DisposeAsync();
        await _keys.DisposeAsync();
        await _registryServer.DisposeAsync();
        _issuer.Dispose();
    }

    [Fact]
    public async Task OpenAccount_SameUserCreatedTwice_OneAccountRowFromTheFirstEvent()
    {
        var accounts = _factory.Services.GetRequiredService<Fabrix.Plugins.Samples.Accounting.AccountOpening.OpenedAccounts>();
        var created = new Fabrix.Contracts.Canonical.V1.UserCreated { UserId = "u-twice", DisplayName = "Ada", Department = "Finance" };

        var first = await accounts.OpenAsync(created, "event-1", Cancel);
        var again = await accounts.OpenAsync(created, "event-1", Cancel);

        Assert.Equal((true, false), (first, again));
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(_database);
        await using var count = dataSource.CreateCommand("SELECT count(*), min(source_event) FROM accounts WHERE user_id = 'u-twice'");
        await using var reader = await count.ExecuteReaderAsync(Cancel);
        Assert.True(await reader.ReadAsync(Cancel));
        Assert.Equal((1L, "event-1"), (reader.GetInt64(0), reader.GetString(1)));
    }

    [Fact]
    public async Task GetAccount_UserWithManager_ReadsProfileOverHttpAndApproverOverGrpcThroughTheGateway()
    {
        using var http = CallerClient();

        using var response = await http.GetAsync("/api/accounts/jdoe", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var account = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Equal(("jdoe", "Jane Doe", "Finance"), (account.GetProperty("user_id").GetString(), account.GetProperty("display_name").GetString(), account.GetProperty("department").GetString()));
        Assert.Equal(("asmith", "Alex Smith"), (account.GetProperty("approver").GetProperty("user_id").GetString(), account.GetProperty("approver").GetProperty("display_name").GetString()));
        var (rest, grpc) = (_gateway.Requests[0], _gateway.Requests[1]);
        Assert.Equal(("GET", "/user-management/api/users/jdoe", "Bearer token-1"), (rest.Method, rest.Path, rest.Headers["authorization"]));
        Assert.Equal("/fabrix.samples.users.v1.UserDirectory/GetUser", grpc.Path);
        Assert.Equal(("user-management", "Bearer token-1"), (grpc.Headers[OperatorCall.TargetHeader], grpc.Headers["authorization"]));
    }

    [Fact]
    public async Task GetAccount_UnknownUser_404()
    {
        using var http = CallerClient();

        using var response = await http.GetAsync("/api/accounts/nobody", Cancel);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetAccount_GatewayRefuses_502WithoutReadingTheApprover()
    {
        _profileStatus = StatusCodes.Status403Forbidden;
        using var http = CallerClient();

        using var response = await http.GetAsync("/api/accounts/jdoe", Cancel);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("403", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Single(_gateway.Requests);
    }

    [Theory]
    [InlineData("...")]
    [InlineData("has%20space")]
    public async Task GetAccount_NotAUserId_400WithoutCallingTheGateway(string userId)
    {
        using var http = CallerClient();

        using var response = await http.GetAsync($"/api/accounts/{userId}", Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_gateway.Requests);
    }

    [Fact]
    public async Task GetAccount_NoCallerContext_401WithoutCallingTheGateway()
    {
        using var http = _factory.CreateClient();

        using var response = await http.GetAsync("/api/accounts/jdoe", Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_gateway.Requests);
    }

    [Fact]
    public async Task Manifest_SampleFile_IsValidAndDependsOnUserManagement()
    {
        var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "accounting-manifest.json"), Cancel);

        var result = ManifestValidator.Validate(json);

        Assert.Empty(result.Errors);
        Assert.Equal("accounting", result.Manifest!.Id);
        Assert.Equal(["user-management"], result.Manifest.Dependencies);
        Assert.Equal("GET /api/accounts/{userId}", result.Manifest.Endpoints["account"]);
    }

    private HttpClient CallerClient()
    {
        var http = _factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _issuer.Mint("billing", "accounting"));
        return http;
    }

    /// <summary>user-management's directory as the scripted gateway serves it: only <c>asmith</c> exists.</summary>
    private sealed class ScriptedUserDirectory : UserDirectory.UserDirectoryBase
    {
        public override Task<User> GetUser(GetUserRequest request, ServerCallContext context) => request.Id == "asmith"
            ? Task.FromResult(new User { Id = "asmith", DisplayName = "Alex Smith", Email = "alex@example.com" })
            : throw new RpcException(new Status(StatusCode.NotFound, "no such user"));
    }

    /// <summary>The real accounting app, configured only through settings.</summary>
    private sealed class AccountingFactory(IReadOnlyList<KeyValuePair<string, string?>> settings) : WebApplicationFactory<AccountingApp>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            // The in-memory test server has no listening address to report.
            builder.UseSetting("Fabrix:Plugin:Address", "http://127.0.0.1:5210");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
