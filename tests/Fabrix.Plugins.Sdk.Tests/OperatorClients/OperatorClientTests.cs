using System.Net;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Plugins.Sdk.Testing;
using Fabrix.Plugins.Sdk.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk.Tests.OperatorClients;

/// <summary>
/// Operator clients (issue 10 section 3): HTTP and gRPC calls go to the gateway, name their target, and carry the
/// plugin's current token, renewed by the SDK; without a token nothing is sent. The gateway is scripted and records headers.
/// </summary>
public sealed class OperatorClientTests
{
    private readonly TimerRecordingClock _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HttpClient_Registered_CallsTheTargetsPrefixOnTheGatewayWithTheCurrentToken()
    {
        await using var gateway = await ScriptedGatewayServer.StartAsync(app => app.MapGet("/user-management/api/users/{id}", (string id) => Results.Ok(new { id })), cancellationToken: Ct);
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), Ct);
        await using var plugin = await StartAsync(server, gateway, services => services.AddFabrixOperatorClient("user-management"));
        await plugin.Plugin.WaitForRegistrationAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
        var http = plugin.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient("user-management");

        using var response = await http.GetAsync("api/users/42?fields=all", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = Assert.Single(gateway.Requests);
        Assert.Equal(("GET", "/user-management/api/users/42", "?fields=all"), (request.Method, request.Path, request.Query));
        Assert.Equal("Bearer token-1", request.Headers["authorization"]);
    }

    [Fact]
    public async Task HttpClient_TokenRenewed_SendsTheNewToken()
    {
        await using var gateway = await ScriptedGatewayServer.StartAsync(app => app.MapGet("/user-management/ping", () => "pong"), cancellationToken: Ct);
        var registry = new ScriptedPluginRegistry(_time) { TokenLifetime = TimeSpan.FromMinutes(15) };
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), Ct);
        await using var plugin = await StartAsync(server, gateway, services => services.AddFabrixOperatorClient("user-management"));
        var registered = await plugin.Plugin.WaitForRegistrationAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
        var http = plugin.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient("user-management");

        await Eventually.WaitAsync(() => _time.TimersDueAt.Contains(registered.Token!.RenewAt), "the renewal timer", Ct);
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        await Eventually.WaitAsync(() => plugin.Plugin.Token?.Value == "token-2", "the renewed token", Ct);
        using var response = await http.GetAsync("ping", Ct);

        Assert.Equal("Bearer token-2", Assert.Single(gateway.Requests).Headers["authorization"]);
    }

    [Fact]
    public async Task HttpClient_NotRegistered_ThrowsWithoutSending()
    {
        await using var gateway = await ScriptedGatewayServer.StartAsync(app => app.MapGet("/user-management/ping", () => "pong"), cancellationToken: Ct);
        await using var plugin = await StartAsync(null, gateway, services => services.AddFabrixOperatorClient("user-management"));
        var http = plugin.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient("user-management");

        var error = await Assert.ThrowsAsync<FabrixNotRegisteredException>(() => http.GetAsync("ping", Ct));

        Assert.Equal(PluginUnderTest.PluginId, error.PluginId);
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task GrpcClient_Registered_SendsTargetAndTokenToTheGatewaysGrpcEndpoint()
    {
        var registry = new ScriptedPluginRegistry(_time);
        await using var server = await ScriptedRegistryServer.StartAsync(registry, FreePort.Next(), Ct);
        // The gateway "forwards" to a gRPC service that answers any token registry issued.
        await using var gateway = await ScriptedGatewayServer.StartAsync(app => app.MapGrpcService<ScriptedPluginRegistry>(), services => services.AddSingleton(registry), Ct);
        await using var plugin = await StartAsync(server, gateway, services => services.AddFabrixOperatorGrpcClient<PluginRegistry.PluginRegistryClient>("user-management"));
        await plugin.Plugin.WaitForRegistrationAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
        var client = plugin.App.Services.GetRequiredService<PluginRegistry.PluginRegistryClient>();

        await client.HeartbeatAsync(new HeartbeatRequest(), new Metadata { { "authorization", "Bearer forged" }, { "x-app", "kept" } }, cancellationToken: Ct);

        var request = Assert.Single(gateway.Requests);
        Assert.Equal(("HTTP/2", "/fabrix.registry.v1.PluginRegistry/Heartbeat"), (request.Protocol, request.Path));
        Assert.Equal("user-management", request.Headers[OperatorCall.TargetHeader]);
        Assert.Equal("Bearer token-1", request.Headers["authorization"]);
        Assert.Equal("kept", request.Headers["x-app"]);
    }

    [Fact]
    public async Task GrpcInvoker_NotRegistered_UnavailableWithoutSending()
    {
        await using var gateway = await ScriptedGatewayServer.StartAsync(app => { }, cancellationToken: Ct);
        await using var plugin = await StartAsync(null, gateway, _ => { });
        using var channel = GrpcChannel.ForAddress(gateway.GrpcAddress);
        var client = new PluginRegistry.PluginRegistryClient(channel.CreateCallInvoker().WithFabrixOperatorContext(plugin.Plugin, "user-management"));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.HeartbeatAsync(new HeartbeatRequest(), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task Start_OperatorClientsWithoutGatewayAddress_FailsNamingBothKeys()
    {
        var settings = PluginUnderTest.DefaultSettings($"http://127.0.0.1:{FreePort.Next()}");
        await using var plugin = PluginUnderTest.Create(_time, settings, configure: builder =>
        {
            builder.Services.AddFabrixOperatorClient("user-management");
            builder.Services.AddFabrixOperatorGrpcClient<PluginRegistry.PluginRegistryClient>("user-management");
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(plugin.StartAsync);

        Assert.Contains("Fabrix:Plugin:GatewayAddress", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:Plugin:GatewayGrpcAddress", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("User-Management")]
    [InlineData("../registry")]
    [InlineData("")]
    public void AddOperatorClient_NotAPluginId_Throws(string target)
    {
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddFabrixOperatorClient(target));
    }

    private async Task<PluginUnderTest> StartAsync(ScriptedRegistryServer? registry, ScriptedGatewayServer gateway, Action<IServiceCollection> services)
    {
        var settings = PluginUnderTest.DefaultSettings(registry?.Address ?? $"http://127.0.0.1:{FreePort.Next()}");
        foreach (var (key, value) in gateway.PluginConfiguration())
        {
            settings[key] = value;
        }

        return await PluginUnderTest.StartAsync(_time, settings, configure: builder => services(builder.Services));
    }
}
