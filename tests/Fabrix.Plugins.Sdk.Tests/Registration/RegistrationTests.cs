using System.Net;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Plugins.Sdk.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Plugins.Sdk.Tests.Registration;

/// <summary>Registration over real gRPC: what is sent, how transient failures and refusals are retried.</summary>
public sealed class RegistrationTests
{
    private static readonly TimeSpan s_step = TimeSpan.FromMilliseconds(250);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Register_RegistryUp_SendsExactManifestTextAndListeningAddress()
    {
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address));

        var registration = await plugin.Plugin.WaitForRegistrationAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);

        var call = Assert.Single(registry.CallsTo("Register"));
        Assert.Equal(PluginUnderTest.ValidManifest, call.Register!.ManifestJson);
        Assert.Equal(plugin.Address, call.Register.Address);
        Assert.StartsWith("http://127.0.0.1:", call.Register.Address, StringComparison.Ordinal);
        Assert.Null(call.Authorization);
        Assert.Equal(PluginRegistrationState.Registered, registration.State);
        Assert.Equal(PluginStatus.Registered, registration.Status);
        Assert.Equal("token-1", plugin.Plugin.Token!.Value);
        Assert.Equal(_time.GetUtcNow() + registry.TokenLifetime, plugin.Plugin.Token.ExpiresAt);
    }

    [Fact]
    public async Task Register_PushSecretInTheAnswer_KeptForThePushEndpointAndNeverLogged()
    {
        var secret = Fabrix.Contracts.Webhooks.WebhookSecret.Generate();
        var registry = new ScriptedPluginRegistry(_time) { PushSecret = secret };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address));

        var registration = await plugin.Plugin.WaitForRegistrationAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);

        Assert.Equal(secret, plugin.App.Services.GetRequiredService<Fabrix.Plugins.Sdk.Registration.PluginPushSecret>().Value);
        Assert.DoesNotContain(secret, registration.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(plugin.Logs.Entries, e => e.Message.Contains(secret["whsec_".Length..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Register_AddressConfigured_SendsConfiguredAddress()
    {
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        var settings = PluginUnderTest.DefaultSettings(server.Address);
        settings["Fabrix:Plugin:Address"] = "http://plugin.example.test:8080/";
        await using var plugin = await PluginUnderTest.StartAsync(_time, settings);

        await plugin.Plugin.WaitForRegistrationAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);

        Assert.Equal("http://plugin.example.test:8080", Assert.Single(registry.CallsTo("Register")).Register!.Address);
    }

    [Fact]
    public async Task Register_ListeningOnAllInterfaces_SendsLoopbackAddress()
    {
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address), listenOn: IPAddress.Any);

        await plugin.Plugin.WaitForRegistrationAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);

        Assert.StartsWith("http://0.0.0.0:", plugin.Address, StringComparison.Ordinal);
        var port = new Uri(plugin.Address).Port;
        Assert.Equal($"http://127.0.0.1:{port}", Assert.Single(registry.CallsTo("Register")).Register!.Address);
    }

    [Fact]
    public async Task Register_ExplicitRegistryAddress_WinsOverServiceDiscoveryKey()
    {
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        var settings = PluginUnderTest.DefaultSettings($"http://127.0.0.1:{FreePort.Next()}");
        settings["Fabrix:Plugin:RegistryAddress"] = server.Address;
        await using var plugin = await PluginUnderTest.StartAsync(_time, settings);

        var registration = await plugin.Plugin.WaitForRegistrationAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);

        Assert.Equal(PluginRegistrationState.Registered, registration.State);
    }

    [Fact]
    public async Task Register_TransientFailures_RetriesWithBackoffUntilRegistered()
    {
        var registry = new ScriptedPluginRegistry(_time)
        {
            RegisterFailure = attempt => attempt <= 3 ? new RpcException(new Status(StatusCode.Unavailable, "registry starting")) : null,
        };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address));
        await Eventually.WaitAsync(() => registry.CallsTo("Register").Count == 1, "the first attempt", TestContext.Current.CancellationToken);

        // Backoff runs on the clock: once the retry is scheduled (logged as EventId 7011 before the delay starts), there
        // is no second attempt without time passing.
        await Eventually.WaitAsync(() => plugin.Logs.Entries.Any(e => e.EventId.Id == 7011), "the retry to be scheduled",
            TestContext.Current.CancellationToken);
        Assert.Single(registry.CallsTo("Register"));
        Assert.Equal(PluginRegistrationState.Pending, plugin.Plugin.Registration.State);
        Assert.Contains("unreachable", plugin.Plugin.Registration.Reason, StringComparison.Ordinal);

        await FakeClockSteps.AdvanceUntilAsync(_time, () => plugin.Plugin.Registration.State == PluginRegistrationState.Registered,
            s_step, TimeSpan.FromSeconds(60), "registration");

        var attempts = registry.CallsTo("Register");
        Assert.Equal(4, attempts.Count);
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b.At - a.At).ToArray();
        // Each retry waited on the clock, and far less than the 60 s used for refusals (backoff is capped at 5 s; the
        // bound allows for fake time that passes while the failed call is still on its way back).
        Assert.All(gaps, gap => Assert.InRange(gap, s_step, TimeSpan.FromSeconds(15)));
        Assert.Equal("token-1", plugin.Plugin.Token!.Value);
    }

    [Fact]
    public async Task Register_RegistryStartsLate_ConnectionRefusedIsRetriedUntilRegistered()
    {
        var port = FreePort.Next();
        var registry = new ScriptedPluginRegistry(_time);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings($"http://127.0.0.1:{port}"));
        await Eventually.WaitAsync(() => plugin.Plugin.Registration.Reason?.Contains("Unavailable", StringComparison.Ordinal) == true, "a refused connection", TestContext.Current.CancellationToken);
        Assert.Equal(PluginRegistrationState.Pending, plugin.Plugin.Registration.State);
        Assert.Contains(plugin.Logs.Entries, e => e.EventId.Id == 7011);

        await using var server = await ScriptedRegistryServer.StartAsync(registry, port, TestContext.Current.CancellationToken);
        await FakeClockSteps.AdvanceUntilAsync(_time, () => plugin.Plugin.Registration.State == PluginRegistrationState.Registered,
            s_step, TimeSpan.FromSeconds(60), "registration once the registry is up");

        Assert.Single(registry.CallsTo("Register"));
    }

    [Fact]
    public async Task Register_PermissionDenied_IsRefusedAndRetriedOnlySlowly()
    {
        var installed = false;
        var registry = new ScriptedPluginRegistry(_time)
        {
            RegisterFailure = _ => Volatile.Read(ref installed) ? null
                : new RpcException(new Status(StatusCode.PermissionDenied, "Plugin 'sdk-test-plugin' is not installed.")),
        };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address));
        await Eventually.WaitAsync(() => plugin.Plugin.Registration.State == PluginRegistrationState.Refused, "the refusal", TestContext.Current.CancellationToken);

        Assert.Contains("ask an administrator to install 'sdk-test-plugin'", plugin.Plugin.Registration.Reason, StringComparison.Ordinal);
        Assert.Contains(plugin.Logs.Entries, e => e.EventId.Id == 7012
            && e.Message.Contains("not installed", StringComparison.Ordinal)
            && e.Message.Contains("ask an administrator to install 'sdk-test-plugin'", StringComparison.Ordinal));

        // Transient failures would have been retried many times within 50 s (max backoff 5 s); a refusal is not.
        await FakeClockSteps.AdvanceWhileAsync(_time, () => registry.CallsTo("Register").Count == 1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(50),
            "a single attempt while refused");
        Assert.Equal(PluginRegistrationState.Refused, plugin.Plugin.Registration.State);

        // ... but it keeps asking slowly, so installing the plugin later is enough.
        Volatile.Write(ref installed, true);
        await FakeClockSteps.AdvanceUntilAsync(_time, () => plugin.Plugin.Registration.State == PluginRegistrationState.Registered,
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), "registration after installation");
        Assert.Equal(2, registry.CallsTo("Register").Count);
    }

    [Fact]
    public async Task Register_InvalidArgument_IsRefusedNotRetriedFast()
    {
        var registry = new ScriptedPluginRegistry(_time)
        {
            RegisterFailure = _ => new RpcException(new Status(StatusCode.InvalidArgument, "address must be absolute")),
        };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address));
        await Eventually.WaitAsync(() => plugin.Plugin.Registration.State == PluginRegistrationState.Refused, "the refusal", TestContext.Current.CancellationToken);

        await FakeClockSteps.AdvanceWhileAsync(_time, () => registry.CallsTo("Register").Count == 1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(50),
            "a single attempt while refused");

        Assert.Contains("address must be absolute", plugin.Plugin.Registration.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForRegistration_BeforeRegistering_CompletesWhenRegisteredAndRaisesEvent()
    {
        var registry = new ScriptedPluginRegistry(_time)
        {
            RegisterFailure = attempt => attempt == 1 ? new RpcException(new Status(StatusCode.Unavailable, "down")) : null,
        };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), TestContext.Current.CancellationToken);
        await using var plugin = await PluginUnderTest.StartAsync(_time, PluginUnderTest.DefaultSettings(server.Address));
        var states = new List<PluginRegistrationState>();
        plugin.Plugin.RegistrationChanged += (_, registration) => { lock (states) { states.Add(registration.State); } };
        var waiting = plugin.Plugin.WaitForRegistrationAsync(TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(() => registry.CallsTo("Register").Count == 1, "the first attempt", TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);

        await FakeClockSteps.AdvanceUntilAsync(_time, () => waiting.IsCompleted, s_step, TimeSpan.FromSeconds(60), "the awaited registration");

        Assert.Equal(PluginRegistrationState.Registered, (await waiting).State);
        lock (states)
        {
            Assert.Equal(PluginRegistrationState.Registered, states[^1]);
        }
    }

    [Fact]
    public void PluginToken_ToString_DoesNotRevealToken()
    {
        var token = new PluginToken("eyJhbGciOiJFUzI1NiJ9.secret.part", "key-1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(15));
        var registration = new PluginRegistration(PluginRegistrationState.Registered, PluginStatus.Active, token, DateTimeOffset.UnixEpoch, null);

        Assert.DoesNotContain("secret", token.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", registration.ToString(), StringComparison.Ordinal);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddMinutes(10), token.RenewAt);
    }
}
