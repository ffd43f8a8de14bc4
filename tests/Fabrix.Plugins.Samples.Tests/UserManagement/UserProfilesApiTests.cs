using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Fabrix.Testing;
using Npgsql;

namespace Fabrix.Plugins.Samples.Tests.UserManagement;

/// <summary>The user-management API end to end: HTTP in, real PostgreSQL underneath.</summary>
public sealed class UserProfilesApiTests(PostgresServer postgres) : IAsyncLifetime
{
    private string _connectionString = string.Empty;
    private UserManagementFactory? _factory;
    private HttpClient? _http;

    private HttpClient Http => _http!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync("usermanagement");
        _factory = new UserManagementFactory(_connectionString);
        _http = _factory.CreateCallerClient();
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }

    [Fact]
    public async Task Create_ValidProfile_Returns201WithLocationAndStoresRow()
    {
        using var response = await Http.PostAsJsonAsync("/api/users", Jane(), Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/users/jdoe", response.Headers.Location?.OriginalString);
        var body = await ReadAsync(response);
        Assert.Equal("jdoe", body["id"]!.GetValue<string>());
        Assert.Equal("Jane Doe", body["display_name"]!.GetValue<string>());
        Assert.Equal("jane.doe@example.com", body["email"]!.GetValue<string>());
        Assert.Equal("Engineering", body["department"]!.GetValue<string>());
        Assert.Equal("asmith", body["manager"]!.GetValue<string>());
        Assert.Equal("Berlin", body["attributes"]!["office"]!.GetValue<string>());
        Assert.NotNull(body["created_at"]);

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand("SELECT email, attributes->>'office' FROM user_profiles WHERE id = 'jdoe'", connection);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        Assert.True(await reader.ReadAsync(Cancel));
        Assert.Equal("jane.doe@example.com", reader.GetString(0));
        Assert.Equal("Berlin", reader.GetString(1));
    }

    [Fact]
    public async Task Get_Existing_ReturnsStoredProfile()
    {
        (await Http.PostAsJsonAsync("/api/users", Jane(), Cancel)).EnsureSuccessStatusCode();

        using var response = await Http.GetAsync("/api/users/jdoe", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadAsync(response);
        Assert.Equal("Jane Doe", body["display_name"]!.GetValue<string>());
        Assert.Equal("developer", body["attributes"]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_Unknown_Returns404ProblemDetails()
    {
        using var response = await Http.GetAsync("/api/users/nobody", Cancel);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadAsync(response);
        Assert.Equal(404, problem["status"]!.GetValue<int>());
        Assert.Contains("nobody", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_InvalidFields_Returns400WithEveryFieldError()
    {
        var request = new JsonObject
        {
            ["id"] = "bad id!",
            ["display_name"] = "  ",
            ["email"] = "not-an-email",
            ["manager"] = "x y",
            ["attributes"] = new JsonObject { ["Bad Key"] = "v" },
        };

        using var response = await Http.PostAsJsonAsync("/api/users", request, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await ReadAsync(response))["errors"]!.AsObject();
        Assert.Equal(["attributes.Bad Key", "display_name", "email", "id", "manager"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(0, await CountRowsAsync());
    }

    [Fact]
    public async Task Create_MissingRequiredFields_Returns400NamingThem()
    {
        using var response = await Http.PostAsJsonAsync("/api/users", new JsonObject(), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ReadAsync(response))["errors"]!.AsObject();
        Assert.Contains("id", errors.Select(e => e.Key));
        Assert.Contains("display_name", errors.Select(e => e.Key));
        Assert.Contains("email", errors.Select(e => e.Key));
    }

    [Fact]
    public async Task Create_OwnManager_Returns400OnManager()
    {
        var request = Jane();
        request["manager"] = "jdoe";

        using var response = await Http.PostAsJsonAsync("/api/users", request, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("manager", Assert.Single((await ReadAsync(response))["errors"]!.AsObject()).Key);
    }

    [Fact]
    public async Task Create_DuplicateId_Returns409()
    {
        (await Http.PostAsJsonAsync("/api/users", Jane(), Cancel)).EnsureSuccessStatusCode();
        var again = Jane();
        again["email"] = "someone.else@example.com";

        using var response = await Http.PostAsJsonAsync("/api/users", again, Cancel);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("jdoe", (await ReadAsync(response))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_DuplicateEmailInOtherCase_Returns409()
    {
        (await Http.PostAsJsonAsync("/api/users", Jane(), Cancel)).EnsureSuccessStatusCode();
        var other = Jane();
        other["id"] = "jdoe2";
        other["email"] = "JANE.DOE@example.com";

        using var response = await Http.PostAsJsonAsync("/api/users", other, Cancel);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(1, await CountRowsAsync());
    }

    [Fact]
    public async Task Update_Existing_ReplacesFieldsAndKeepsCreatedAt()
    {
        using var created = await Http.PostAsJsonAsync("/api/users", Jane(), Cancel);
        var createdAt = (await ReadAsync(created))["created_at"]!.GetValue<DateTimeOffset>();
        var update = new JsonObject
        {
            ["display_name"] = "Jane Q. Doe",
            ["email"] = "jane.q.doe@example.com",
            ["department"] = "Research",
            ["attributes"] = new JsonObject { ["office"] = "Lisbon" },
        };

        using var response = await Http.PutAsJsonAsync("/api/users/jdoe", update, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var fetched = await Http.GetAsync("/api/users/jdoe", Cancel);
        var body = await ReadAsync(fetched);
        Assert.Equal("Jane Q. Doe", body["display_name"]!.GetValue<string>());
        Assert.Equal("jane.q.doe@example.com", body["email"]!.GetValue<string>());
        Assert.Equal("Research", body["department"]!.GetValue<string>());
        Assert.Null(body["manager"]);
        Assert.Equal(["office"], body["attributes"]!.AsObject().Select(a => a.Key));
        Assert.Equal(createdAt, body["created_at"]!.GetValue<DateTimeOffset>());
        Assert.True(body["updated_at"]!.GetValue<DateTimeOffset>() >= createdAt);
    }

    [Fact]
    public async Task Update_Unknown_Returns404()
    {
        var update = new JsonObject { ["display_name"] = "Ghost", ["email"] = "ghost@example.com" };

        using var response = await Http.PutAsJsonAsync("/api/users/ghost", update, Cancel);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await CountRowsAsync());
    }

    [Fact]
    public async Task Update_InvalidEmail_Returns400AndLeavesRowUnchanged()
    {
        (await Http.PostAsJsonAsync("/api/users", Jane(), Cancel)).EnsureSuccessStatusCode();
        var update = new JsonObject { ["display_name"] = "Jane", ["email"] = "jane@" };

        using var response = await Http.PutAsJsonAsync("/api/users/jdoe", update, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("email", Assert.Single((await ReadAsync(response))["errors"]!.AsObject()).Key);
        using var fetched = await Http.GetAsync("/api/users/jdoe", Cancel);
        Assert.Equal("jane.doe@example.com", (await ReadAsync(fetched))["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_MoreThanOnePage_PagesInIdOrder()
    {
        foreach (var id in new[] { "carol", "alice", "bob" })
        {
            var request = Jane();
            request["id"] = id;
            request["email"] = $"{id}@example.com";
            request["manager"] = null;
            (await Http.PostAsJsonAsync("/api/users", request, Cancel)).EnsureSuccessStatusCode();
        }

        using var first = await Http.GetAsync("/api/users?limit=2", Cancel);
        var firstPage = await ReadAsync(first);
        using var second = await Http.GetAsync($"/api/users?limit=2&after={firstPage["next_after"]!.GetValue<string>()}", Cancel);
        var secondPage = await ReadAsync(second);

        Assert.Equal(["alice", "bob"], firstPage["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Equal(["carol"], secondPage["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Null(secondPage["next_after"]);
    }

    [Fact]
    public async Task List_LimitOutOfRange_Returns400OnLimit()
    {
        using var response = await Http.GetAsync("/api/users?limit=0", Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("limit", Assert.Single((await ReadAsync(response))["errors"]!.AsObject()).Key);
    }

    [Fact]
    public async Task Restart_SameDatabase_MigrationIsIdempotentAndDataSurvives()
    {
        (await Http.PostAsJsonAsync("/api/users", Jane(), Cancel)).EnsureSuccessStatusCode();

        await using var restarted = new UserManagementFactory(_connectionString);
        using var http = restarted.CreateCallerClient();
        using var response = await http.GetAsync("/api/users/jdoe", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM schema_migrations", connection);
        Assert.Equal(1L, await command.ExecuteScalarAsync(Cancel));
    }

    private static JsonObject Jane() => new()
    {
        ["id"] = "jdoe",
        ["display_name"] = "Jane Doe",
        ["email"] = "jane.doe@example.com",
        ["department"] = "Engineering",
        ["manager"] = "asmith",
        ["attributes"] = new JsonObject { ["office"] = "Berlin", ["role"] = "developer" },
    };

    private static async Task<JsonObject> ReadAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancel))!.AsObject();

    private async Task<long> CountRowsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM user_profiles", connection);
        return (long)(await command.ExecuteScalarAsync(Cancel))!;
    }
}
