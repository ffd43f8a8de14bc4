using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Plugins.Sdk.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk.Tests.Egress;

/// <summary>
/// Egress clients (issue 12 section 4): every request goes through the egress proxy with the plugin's current token,
/// http as an absolute-form request and https through a CONNECT tunnel carrying the token; a refusal comes back as
/// <see cref="EgressRefusedException"/> with the proxy's reason. The proxy is scripted and records what it got.
/// </summary>
public sealed class EgressClientTests
{
    private const string Client = "hooks";
    private readonly TimerRecordingClock _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HttpUrl_Registered_SendsAnAbsoluteFormRequestToTheProxyWithTheToken()
    {
        await using var proxy = ScriptedEgressProxy.Start();
        await using var server = await ScriptedRegistryServer.StartAsync(new ScriptedPluginRegistry(_time), FreePort.Next(), Ct);
        await using var plugin = await StartRegisteredAsync(server, proxy);

        using var response = await Http(plugin).GetAsync("http://hooks.example.test/notify?x=1", Ct);

        Assert.Equal(ScriptedEgressProxy.ProxiedBody, await response.Content.ReadAsStringAsync(Ct));
        var request = Assert.Single(proxy.Requests);
        Assert.Equal(("GET", "http://hooks.example.test/notify?x=1", "Bearer token-1"), (request.Method, request.Target, request.ProxyAuthorization));
    }

    [Fact]
    public async Task HttpUrl_ProxyRefuses_ThrowsEgressRefusedWithTheReasonCode()
    {
        await using var proxy = ScriptedEgressProxy.Start();
        proxy.Refusal = (403, "not_allowlisted");
        await using var server = await ScriptedRegistryServer.StartAsync(new ScriptedPluginRegistry(_time), FreePort.Next(), Ct);
        await using var plugin = await StartRegisteredAsync(server, proxy);

        var refused = await Assert.ThrowsAsync<EgressRefusedException>(() => Http(plugin).GetAsync("http://elsewhere.example.test/", Ct));

        Assert.Equal((403, "not_allowlisted"), (refused.StatusCode, refused.ReasonCode));
    }

    [Fact]
    public async Task HttpsUrl_ProxyRefusesTheTunnel_ConnectCarriedTheTokenAndTheReasonComesBack()
    {
        await using var proxy = ScriptedEgressProxy.Start();
        proxy.Refusal = (403, "metadata");
        await using var server = await ScriptedRegistryServer.StartAsync(new ScriptedPluginRegistry(_time), FreePort.Next(), Ct);
        await using var plugin = await StartRegisteredAsync(server, proxy);

        var refused = await Assert.ThrowsAsync<EgressRefusedException>(() => Http(plugin).GetAsync("https://metadata.example.test:8443/latest", Ct));

        Assert.Equal((403, "metadata", "metadata.example.test:8443"), (refused.StatusCode, refused.ReasonCode, refused.Target));
        var request = Assert.Single(proxy.Requests);
        Assert.Equal(("CONNECT", "metadata.example.test:8443", "Bearer token-1"), (request.Method, request.Target, request.ProxyAuthorization));
    }

    [Fact]
    public async Task HttpUrl_ProxyAnswersWithoutAReason_IsTheUpstreamsAnswerNotARefusal()
    {
        await using var proxy = ScriptedEgressProxy.Start();
        await using var server = await ScriptedRegistryServer.StartAsync(new ScriptedPluginRegistry(_time), FreePort.Next(), Ct);
        await using var plugin = await StartRegisteredAsync(server, proxy);

        using var response = await Http(plugin).PostAsync("http://hooks.example.test/", new StringContent("hello"), Ct);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("POST", Assert.Single(proxy.Requests).Method);
    }

    [Fact]
    public async Task TokenRenewed_NextRequestCarriesTheNewToken()
    {
        await using var proxy = ScriptedEgressProxy.Start();
        var registry = new ScriptedPluginRegistry(_time) { TokenLifetime = TimeSpan.FromMinutes(15) };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), Ct);
        await using var plugin = await StartAsync(server.Address, proxy);
        var registered = await plugin.Plugin.WaitForRegistrationAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);

        await Eventually.WaitAsync(() => _time.TimersDueAt.Contains(registered.Token!.RenewAt), "the renewal timer", Ct);
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        await Eventually.WaitAsync(() => plugin.Plugin.Token?.Value == "token-2", "the renewed token", Ct);
        using var response = await Http(plugin).GetAsync("http://hooks.example.test/", Ct);

        Assert.Equal("Bearer token-2", Assert.Single(proxy.Requests).ProxyAuthorization);
    }

    [Theory]
    [InlineData("http://hooks.example.test/")]
    [InlineData("https://hooks.example.test/")]
    public async Task NotRegistered_ThrowsWithoutSending(string url)
    {
        await using var proxy = ScriptedEgressProxy.Start();
        await using var plugin = await StartAsync($"http://127.0.0.1:{FreePort.Next()}", proxy);

        var error = await Assert.ThrowsAsync<FabrixNotRegisteredException>(() => Http(plugin).GetAsync(url, Ct));

        Assert.Contains("egress proxy", error.Message, StringComparison.Ordinal);
        Assert.Empty(proxy.Requests);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://127.0.0.1:5305")]
    [InlineData("http://127.0.0.1:5305/path")]
    public async Task Start_ProxyAddressMissingOrNotPlainHttp_FailsNamingTheKey(string? address)
    {
        var settings = PluginUnderTest.DefaultSettings($"http://127.0.0.1:{FreePort.Next()}");
        settings["Fabrix:Plugin:ProxyAddress"] = address;
        await using var plugin = PluginUnderTest.Create(_time, settings, configure: builder => builder.Services.AddFabrixEgressClient(Client));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(plugin.StartAsync);

        Assert.Contains("Fabrix:Plugin:ProxyAddress", error.Message, StringComparison.Ordinal);
    }

    private static HttpClient Http(PluginUnderTest plugin) => plugin.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);

    private async Task<PluginUnderTest> StartRegisteredAsync(ScriptedRegistryServer server, ScriptedEgressProxy proxy)
    {
        var plugin = await StartAsync(server.Address, proxy);
        await plugin.Plugin.WaitForRegistrationAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
        return plugin;
    }

    private async Task<PluginUnderTest> StartAsync(string registryAddress, ScriptedEgressProxy proxy)
    {
        var settings = PluginUnderTest.DefaultSettings(registryAddress);
        foreach (var (key, value) in proxy.PluginConfiguration())
        {
            settings[key] = value;
        }

        return await PluginUnderTest.StartAsync(_time, settings, configure: builder => builder.Services.AddFabrixEgressClient(Client));
    }
}
