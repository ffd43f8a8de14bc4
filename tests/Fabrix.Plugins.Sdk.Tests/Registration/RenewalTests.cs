using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Plugins.Sdk.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Plugins.Sdk.Tests.Registration;

/// <summary>Token renewal: at two thirds of the lifetime, always before expiry, and what happens when it is refused.</summary>
public sealed class RenewalTests
{
    private static readonly TimeSpan s_lifetime = TimeSpan.FromMinutes(15);
    private readonly TimerRecordingClock _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Renew_TwoThirdsOfLifetime_RenewsBeforeExpiryWithCurrentToken()
    {
        var registry = new ScriptedPluginRegistry(_time) { TokenLifetime = s_lifetime };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await StartRegisteredAsync(server);
        var registeredAt = _time.GetUtcNow();
        var first = plugin.Plugin.Token!;

        // The renewal timer is armed for two thirds of the lifetime: before then, nothing can renew.
        await Eventually.WaitAsync(() => _time.TimersDueAt.Contains(registeredAt + (s_lifetime * 2 / 3)), "the renewal timer",
            TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Empty(registry.CallsTo("RenewToken"));

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await Eventually.WaitAsync(() => plugin.Plugin.Token?.Value == "token-2", "the renewed token", TestContext.Current.CancellationToken);

        var renewal = Assert.Single(registry.CallsTo("RenewToken"));
        Assert.Equal($"Bearer {first.Value}", renewal.Authorization);
        Assert.InRange(renewal.At, registeredAt + (s_lifetime * 2 / 3), first.ExpiresAt - TimeSpan.FromMinutes(4));
        Assert.Equal(PluginRegistrationState.Registered, plugin.Plugin.Registration.State);
        Assert.Single(registry.CallsTo("Register"));
    }

    [Fact]
    public async Task Renew_PushSecretRotated_NewSecretCurrentReplacedOneAcceptedForTheGrace()
    {
        var before = Fabrix.Contracts.Webhooks.WebhookSecret.Generate();
        var after = Fabrix.Contracts.Webhooks.WebhookSecret.Generate();
        var registry = new ScriptedPluginRegistry(_time) { TokenLifetime = s_lifetime, PushSecret = before };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await StartRegisteredAsync(server);
        var secret = plugin.App.Services.GetRequiredService<Fabrix.Plugins.Sdk.Registration.PluginPushSecret>();
        Assert.Equal(before, secret.Value);

        // An administrator rotates: the registry answers the next renewal with the new secret.
        registry.PushSecret = after;
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        await Eventually.WaitAsync(() => secret.Value == after, "the rotated push secret", TestContext.Current.CancellationToken);

        Assert.Equal([Key(after), Key(before)], secret.Keys());
        _time.Advance(Fabrix.Plugins.Sdk.Registration.PluginPushSecret.PreviousGrace);
        Assert.Equal([Key(after)], secret.Keys());
        Assert.DoesNotContain(plugin.Logs.Entries, e => e.Message.Contains(after["whsec_".Length..], StringComparison.Ordinal));
    }

    private static byte[] Key(string secret) =>
        Fabrix.Contracts.Webhooks.WebhookSecret.TryParse(secret, out var key) ? key : throw new InvalidOperationException("Not a secret.");

    [Fact]
    public async Task Renew_Repeatedly_EachTokenRenewedBeforeItExpires()
    {
        var registry = new ScriptedPluginRegistry(_time) { TokenLifetime = s_lifetime };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await StartRegisteredAsync(server);

        await FakeClockSteps.AdvanceUntilAsync(_time, () => registry.CallsTo("RenewToken").Count >= 3,
            TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(60), "three renewals");

        var renewals = registry.CallsTo("RenewToken").Take(3).ToArray();
        Assert.Equal(["Bearer token-1", "Bearer token-2", "Bearer token-3"], renewals.Select(r => r.Authorization));
        var issued = new[] { registry.CallsTo("Register")[0].At }.Concat(renewals.Select(r => r.At)).ToArray();
        for (var i = 0; i < renewals.Length; i++)
        {
            // Each renewal comes after two thirds of the previous token's lifetime and well before it expires.
            Assert.InRange(renewals[i].At - issued[i], s_lifetime * 2 / 3, s_lifetime * 3 / 4);
        }

        Assert.Single(registry.CallsTo("Register"));
    }

    [Fact]
    public async Task Renew_RegistryUnavailable_RetriesUntilItAnswers()
    {
        var failing = true;
        var registry = new ScriptedPluginRegistry(_time)
        {
            TokenLifetime = s_lifetime,
            RenewFailure = () => Volatile.Read(ref failing) ? new RpcException(new Status(StatusCode.Unavailable, "restarting")) : null,
        };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await StartRegisteredAsync(server);

        await FakeClockSteps.AdvanceUntilAsync(_time, () => registry.CallsTo("RenewToken").Count >= 3,
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(11), "renewal retries");
        Assert.Equal(PluginRegistrationState.Registered, plugin.Plugin.Registration.State);
        Volatile.Write(ref failing, false);
        await FakeClockSteps.AdvanceUntilAsync(_time, () => plugin.Plugin.Token?.Value == "token-2",
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(3), "the renewed token");

        Assert.Single(registry.CallsTo("Register"));
    }

    [Fact]
    public async Task Renew_TokenRejected_RegistersAgain()
    {
        var registry = new ScriptedPluginRegistry(_time)
        {
            TokenLifetime = s_lifetime,
            RenewFailure = () => new RpcException(new Status(StatusCode.Unauthenticated, "unknown token")),
        };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await StartRegisteredAsync(server);

        _time.Advance(TimeSpan.FromMinutes(10));
        await FakeClockSteps.AdvanceUntilAsync(_time, () => registry.CallsTo("Register").Count == 2,
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(3), "registering again");
        await Eventually.WaitAsync(() => plugin.Plugin.Token?.Value == "token-2", "the new token", TestContext.Current.CancellationToken);

        Assert.Single(registry.CallsTo("RenewToken"));
        Assert.Equal(PluginRegistrationState.Registered, plugin.Plugin.Registration.State);
    }

    [Fact]
    public async Task Renew_Disabled_ReportsRefusedDropsTokenAndRecoversWhenEnabled()
    {
        var disabled = false;
        var registry = new ScriptedPluginRegistry(_time) { TokenLifetime = s_lifetime };
        registry.RenewFailure = () => Volatile.Read(ref disabled)
            ? new RpcException(new Status(StatusCode.FailedPrecondition, "Plugin 'sdk-test-plugin' is disabled; allowed: enable.")) : null;
        registry.RegisterFailure = _ => Volatile.Read(ref disabled)
            ? new RpcException(new Status(StatusCode.FailedPrecondition, "Plugin 'sdk-test-plugin' is disabled; allowed: enable.")) : null;
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await StartRegisteredAsync(server);
        Volatile.Write(ref disabled, true);

        _time.Advance(TimeSpan.FromMinutes(10));
        await FakeClockSteps.AdvanceUntilAsync(_time, () => plugin.Plugin.Registration.State == PluginRegistrationState.Refused,
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(3), "the refusal", settle: TimeSpan.FromMilliseconds(60));
        Assert.Null(plugin.Plugin.Token);
        Assert.Contains("disabled", plugin.Plugin.Registration.Reason, StringComparison.Ordinal);
        await Eventually.WaitAsync(() => registry.CallsTo("Register").Count == 2, "one immediate attempt to register again", TestContext.Current.CancellationToken);

        await FakeClockSteps.AdvanceWhileAsync(_time, () => registry.CallsTo("Register").Count == 2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(50),
            "slow retries while disabled");

        Volatile.Write(ref disabled, false);
        await FakeClockSteps.AdvanceUntilAsync(_time, () => plugin.Plugin.Registration.State == PluginRegistrationState.Registered,
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), "registration once enabled");
        Assert.Equal(3, registry.CallsTo("Register").Count);
    }

    private async Task<PluginUnderTest> StartRegisteredAsync(ScriptedRegistryServer server)
    {
        var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address));
        await plugin.Plugin.WaitForRegistrationAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.Equal("token-1", plugin.Plugin.Token!.Value);
        return plugin;
    }
}
