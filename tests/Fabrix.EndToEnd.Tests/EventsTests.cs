using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>
/// The Canonical lane on the running platform (issue 11 sections 3 and 6, seed 004): hr publishes UserCreated through
/// Core.Events; accounting receives it over the gRPC stream and opens an account in its own database, user-management
/// receives it by signed HTTP push (its manifest's <c>events.delivery: push</c>) and creates a profile, both through the
/// SDK's <c>MapFabrixEvent</c>; the registry's audit has the publish and one delivery per subscriber, each with its mode.
/// </summary>
[Collection(SamplePlugins.Collection)]
public sealed class EventsTests(PlatformFixture platform) : IDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(2);
    private readonly GrpcChannel _registry = GrpcChannel.ForAddress(platform.RegistryGrpcUrl);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _registry.Dispose();

    [Fact]
    public async Task Hr_UserAdded_AccountOverTheStreamProfileByPushEachDeliveryAuditedWithItsMode()
    {
        foreach (var plugin in new[] { "hr", "accounting", "user-management" })
        {
            await platform.WaitForPluginAsync(plugin, p => p.Summary.Status == PluginStatus.Active, Within);
        }

        var id = "e2e-ev-" + Guid.NewGuid().ToString("N")[..8];
        using var hr = new HttpClient { BaseAddress = new Uri(platform.HrUrl) };
        hr.DefaultRequestHeaders.Authorization = new("Bearer", platform.CallerContext("user-management", "hr"));

        // A subscriber's durable consumer exists once the snapshot shows it active, but the SDK's stream may still be
        // opening, and Core.Events' push pump may still be reading the push target: the event waits in JetStream
        // either way, so no ordering is needed here.
        using var created = await hr.PostAsJsonAsync("/api/users", new { id, display_name = "Katherine Johnson", email = $"{id}@example.com", department = "Flight" }, Ct);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode} {body}");
        var eventId = body.GetProperty("event_id").GetString()!;

        var account = await Eventually.ForAsync(() => AccountAsync(id), a => a is not null, Within, "accounting opened the account", Ct);
        Assert.Equal(("Katherine Johnson", "Flight", eventId), account);

        using var users = new HttpClient { BaseAddress = new Uri(platform.SamplePluginUrl) };
        users.DefaultRequestHeaders.Authorization = new("Bearer", platform.CallerContext("accounting", "user-management"));
        var profile = await Eventually.ForAsync(async () => (int)(await users.GetAsync($"/api/users/{id}", Ct)).StatusCode, s => s == 200, Within,
            "user-management created the profile", Ct);
        Assert.Equal(200, profile);

        var publish = await AuditedAsync("hr", "lane.canonical.publish", eventId, r => r.Outcome == "succeeded");
        var streamed = await AuditedAsync("accounting", "lane.canonical.deliver", eventId, r => r.Outcome == "succeeded");
        var pushed = await AuditedAsync("user-management", "lane.canonical.deliver", eventId, r => r.Outcome == "succeeded");
        Assert.Equal("succeeded", Assert.Single(publish).Outcome);
        var accountingDelivery = Assert.Single(streamed);
        Assert.Equal(("succeeded", "stream"), (accountingDelivery.Outcome, Attribute(accountingDelivery, "mode")));
        // A push is audited once its outcome is known: one row per attempt, so only one of them succeeded, with the
        // SDK's 204; an earlier failed attempt (if any) was a push too.
        var profileDelivery = Assert.Single(pushed, r => r.Outcome == "succeeded");
        Assert.Equal(("push", "204"), (Attribute(profileDelivery, "mode"), Attribute(profileDelivery, "status")));
        Assert.All(pushed, r => Assert.Equal("push", Attribute(r, "mode")));
    }

    [Fact]
    public async Task UserManagement_UnsignedPushOnItsPushPath_401AndNoProfile()
    {
        await platform.WaitForPluginAsync("user-management", p => p.Summary.Status == PluginStatus.Active, Within);
        var id = "e2e-push-" + Guid.NewGuid().ToString("N")[..8];
        using var plugin = new HttpClient { BaseAddress = new Uri(platform.SamplePluginUrl) };
        var envelope = JsonSerializer.Serialize(new
        {
            specversion = "1.0",
            id = Guid.CreateVersion7().ToString(),
            source = "fabrix://plugins/hr",
            type = "fabrix.canonical.v1.UserCreated",
            datacontenttype = "application/json",
            dataclassification = "pii",
            data = new { userId = id, displayName = "Mallory", email = $"{id}@example.com" },
        });

        // No caller context and no signature: the SDK's push endpoint (not the caller-context check, which would refuse
        // a stream-mode plugin's unknown path the same way) answers that Core.Events did not sign it.
        using var pushed = await plugin.PostAsync("/fabrix/events", new StringContent(envelope, System.Text.Encoding.UTF8, "application/cloudevents+json"), Ct);

        var problem = await pushed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, pushed.StatusCode);
        Assert.StartsWith("The push is not signed by Core.Events", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        plugin.DefaultRequestHeaders.Authorization = new("Bearer", platform.CallerContext("accounting", "user-management"));
        using var profile = await plugin.GetAsync($"/api/users/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, profile.StatusCode);
    }

    [Fact]
    public async Task Hr_SameUserAddedAgain_SameEventIdAndOneAccount()
    {
        await platform.WaitForPluginAsync("hr", p => p.Summary.Status == PluginStatus.Active, Within);
        var id = "e2e-ev-" + Guid.NewGuid().ToString("N")[..8];
        using var hr = new HttpClient { BaseAddress = new Uri(platform.HrUrl) };
        hr.DefaultRequestHeaders.Authorization = new("Bearer", platform.CallerContext("user-management", "hr"));
        var user = new { id, display_name = "Dorothy Vaughan", email = $"{id}@example.com", department = "Computing" };

        using var first = await hr.PostAsJsonAsync("/api/users", user, Ct);
        using var again = await hr.PostAsJsonAsync("/api/users", user, Ct);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        var eventId = (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("event_id").GetString();
        Assert.Equal(eventId, (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("event_id").GetString());
        var account = await Eventually.ForAsync(() => AccountAsync(id), a => a is not null, Within, "accounting opened the account", Ct);
        Assert.Equal(eventId, account!.Value.SourceEvent);
    }

    /// <summary>The account row in accounting's own database, read as accounting's own role.</summary>
    private async Task<(string DisplayName, string Department, string SourceEvent)?> AccountAsync(string userId)
    {
        var postgres = new Uri(platform.Endpoints["postgres"]);
        var password = (await File.ReadAllTextAsync(Path.Combine(platform.DataRoot, "postgres", "roles", "accounting.password"), Ct)).Trim();
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = postgres.Host,
            Port = postgres.Port,
            Username = "accounting",
            Password = password,
            Database = "accounting",
            Pooling = false,
        }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT display_name, department, source_event FROM accounts WHERE user_id = $1", connection)
        {
            Parameters = { new() { Value = userId } },
        };
        try
        {
            await using var reader = await command.ExecuteReaderAsync(Ct);
            return await reader.ReadAsync(Ct) ? (reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    /// <summary>
    /// The canonical-lane records of <paramref name="plugin"/> with <paramref name="action"/> naming
    /// <paramref name="eventId"/>, once one of them satisfies <paramref name="until"/>.
    /// </summary>
    private async Task<IReadOnlyList<AuditRecord>> AuditedAsync(string plugin, string action, string eventId, Func<AuditRecord, bool> until)
    {
        var audit = new AuditLog.AuditLogClient(_registry);
        var admin = new Metadata { { "authorization", $"Bearer {platform.AdminToken()}" } };
        return await Eventually.ForAsync(async () =>
            (await audit.QueryAuditAsync(new QueryAuditRequest { Filter = new AuditFilter { Lane = "canonical", Plugin = plugin, Action = action }, PageSize = 200 }, admin, cancellationToken: Ct))
                .Records.Where(r => r.DetailsJson.Contains(eventId, StringComparison.Ordinal)).ToList(),
            records => records.Any(until), Within, $"{plugin}'s {action} of {eventId} is audited", Ct);
    }

    /// <summary>An attribute of a lane decision's audit row (<c>details.attributes</c>, Core.Lanes' <c>LaneDecision.Attributes</c>).</summary>
    private static string? Attribute(AuditRecord record, string name)
    {
        using var details = JsonDocument.Parse(record.DetailsJson);
        return details.RootElement.TryGetProperty("attributes", out var attributes) && attributes.TryGetProperty(name, out var value) ? value.GetString() : null;
    }
}
