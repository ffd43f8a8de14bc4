using System.Net;
using System.Text.Json;
using Fabrix.Contracts.Canonical.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Contracts.Webhooks;
using Fabrix.Plugins.Sdk;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Plugins.Samples.Tests.UserManagement;

/// <summary>
/// user-management receives <c>UserCreated</c> by HTTP push (manifest <c>events.delivery: push</c>, issue 11 section 3):
/// the real sample registered with the plugin test kit's scripted registry, which hands it a push secret; the test
/// signs pushes as Core.Events does (Standard Webhooks) and posts them without a caller context, as Core.Events does.
/// </summary>
public sealed class UserCreatedPushTests(PostgresServer postgres) : IAsyncLifetime
{
    private const string PushPath = "/fabrix/events";

    private readonly string _secret = WebhookSecret.Generate();
    private ScriptedRegistryServer? _registry;
    private UserManagementFactory? _factory;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private UserManagementFactory Factory => _factory!;

    public async ValueTask InitializeAsync()
    {
        var registry = new ScriptedPluginRegistry(TimeProvider.System) { PluginId = UserManagementFactory.PluginId, Status = PluginStatus.Active, PushSecret = _secret };
        _registry = await ScriptedRegistryServer.StartAsync(registry, cancellationToken: Cancel);
        _factory = new UserManagementFactory(await postgres.CreateDatabaseAsync("usermanagement"), _registry.Address);
        var plugin = _factory.Services.GetRequiredService<IFabrixPlugin>();
        await Eventually.WaitAsync(() => plugin.Registration.State == PluginRegistrationState.Registered, "registration", Cancel);
    }

    public async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }

    [Fact]
    public async Task Push_SignedUserCreated_204AndTheProfileIsCreated()
    {
        var (id, body) = Event(new UserCreated { UserId = "kjohnson", DisplayName = "Katherine Johnson", Email = "kjohnson@example.com", Department = "Flight" });

        using var response = await PushAsync(id, body, sign: true);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var profile = await ProfileAsync("kjohnson");
        Assert.Equal(("Katherine Johnson", "kjohnson@example.com", "Flight"),
            (profile!.Value.GetProperty("display_name").GetString(), profile.Value.GetProperty("email").GetString(), profile.Value.GetProperty("department").GetString()));
    }

    [Fact]
    public async Task Push_Unsigned_401AndNoProfile()
    {
        var (id, body) = Event(new UserCreated { UserId = "unsigned", DisplayName = "Mallory", Email = "mallory@example.com" });

        using var response = await PushAsync(id, body, sign: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(await ProfileAsync("unsigned"));
    }

    [Fact]
    public async Task Push_SecondEventForAnExistingUser_204AndTheFirstProfileKept()
    {
        var (firstId, first) = Event(new UserCreated { UserId = "dvaughan", DisplayName = "Dorothy Vaughan", Email = "dvaughan@example.com" });
        var (againId, again) = Event(new UserCreated { UserId = "dvaughan", DisplayName = "Someone Else", Email = "else@example.com" });

        using var created = await PushAsync(firstId, first, sign: true);
        using var repeated = await PushAsync(againId, again, sign: true);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (created.StatusCode, repeated.StatusCode));
        var profile = await ProfileAsync("dvaughan");
        Assert.Equal(("Dorothy Vaughan", "dvaughan@example.com"), (profile!.Value.GetProperty("display_name").GetString(), profile.Value.GetProperty("email").GetString()));
    }

    [Fact]
    public async Task Push_UserWithoutEmail_204AndNoProfile()
    {
        var (id, body) = Event(new UserCreated { UserId = "no-email", DisplayName = "No Email" });

        using var response = await PushAsync(id, body, sign: true);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(await ProfileAsync("no-email"));
    }

    /// <summary>A UserCreated envelope as Core.Events stamps it (source hr, classification pii) and its CloudEvents JSON.</summary>
    private static (string Id, byte[] Body) Event(UserCreated created) => ScriptedPush.Event(created, publisher: "hr", classification: "pii");

    /// <summary>POSTs to the push path as Core.Events does: no caller context, signed with the plugin's push secret unless <paramref name="sign"/> is false.</summary>
    private async Task<HttpResponseMessage> PushAsync(string id, byte[] body, bool sign)
    {
        using var client = Factory.CreateClient();
        using var request = ScriptedPush.Request(new Uri(PushPath, UriKind.Relative), id, body, sign ? _secret : null, DateTimeOffset.UtcNow);
        return await client.SendAsync(request, Cancel);
    }

    /// <summary>The profile through the sample's own API (with a caller context), or null when it does not exist.</summary>
    private async Task<JsonElement?> ProfileAsync(string userId)
    {
        using var http = Factory.CreateCallerClient();
        using var response = await http.GetAsync($"/api/users/{userId}", Cancel);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.Clone();
    }
}
