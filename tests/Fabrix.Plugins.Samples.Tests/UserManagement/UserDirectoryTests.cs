using System.Net.Http.Json;
using Fabrix.Contracts.Errors;
using Fabrix.Plugins.Samples.Contracts.Users.V1;
using Fabrix.Testing;
using Grpc.Core;

namespace Fabrix.Plugins.Samples.Tests.UserManagement;

/// <summary>
/// <c>fabrix.samples.users.v1.UserDirectory/GetUser</c> (issue 10 section 7), in process: with a caller context it
/// reads the profile the REST API stored; without one the call is UNAUTHENTICATED before it reaches the service.
/// </summary>
public sealed class UserDirectoryTests(PostgresServer postgres) : IAsyncLifetime
{
    private UserManagementFactory? _factory;

    private UserManagementFactory Factory => _factory!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _factory = new UserManagementFactory(await postgres.CreateDatabaseAsync("usermanagement"));

    public async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }

    [Fact]
    public async Task GetUser_WithCallerContext_ReturnsTheStoredProfile()
    {
        using var http = Factory.CreateCallerClient();
        (await http.PostAsJsonAsync("/api/users", new { id = "jdoe", display_name = "Jane Doe", email = "jane@example.com", department = "Finance", manager = "asmith" }, Cancel))
            .EnsureSuccessStatusCode();
        using var channel = Factory.CreateGrpcChannel();

        var user = await new UserDirectory.UserDirectoryClient(channel).GetUserAsync(new GetUserRequest { Id = "jdoe" }, CallerHeaders(), cancellationToken: Cancel);

        Assert.Equal(("jdoe", "Jane Doe", "jane@example.com", "Finance", "asmith"), (user.Id, user.DisplayName, user.Email, user.Department, user.Manager));
    }

    [Fact]
    public async Task GetUser_NoCallerContext_Unauthenticated()
    {
        using var channel = Factory.CreateGrpcChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => new UserDirectory.UserDirectoryClient(channel).GetUserAsync(new GetUserRequest { Id = "jdoe" }, cancellationToken: Cancel).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains(RefusalCodes.CallerContextRequired, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetUser_Unknown_NotFound()
    {
        using var channel = Factory.CreateGrpcChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => new UserDirectory.UserDirectoryClient(channel).GetUserAsync(new GetUserRequest { Id = "nobody" }, CallerHeaders(), cancellationToken: Cancel).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    public async Task GetUser_NotAUserId_InvalidArgument(string id)
    {
        using var channel = Factory.CreateGrpcChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => new UserDirectory.UserDirectoryClient(channel).GetUserAsync(new GetUserRequest { Id = id }, CallerHeaders(), cancellationToken: Cancel).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    private Metadata CallerHeaders() => new() { { "authorization", $"Bearer {Factory.Gateway.Mint("accounting", UserManagementFactory.PluginId)}" } };
}
