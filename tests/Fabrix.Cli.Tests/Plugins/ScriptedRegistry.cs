using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Cli.Tests.Plugins;

/// <summary>
/// An in-process RegistryAdmin endpoint whose InstallPlugin answers whatever the test scripts (a reply or a status),
/// reached through the CLI's own channel options (<see cref="RegistryChannel"/>), so what the CLI makes of each
/// outcome is observable.
/// </summary>
internal sealed class ScriptedRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedRegistry(WebApplication app) => _app = app;

    public static Uri Address { get; } = new("http://registry.test");

    public static async Task<ScriptedRegistry> StartAsync(Func<InstallPluginRequest, InstallPluginResponse> install)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        // The registry raises its own send limit for this test only: the point is what the CLI does with a large reply.
        builder.Services.AddGrpc(options => options.MaxSendMessageSize = null);
        builder.Services.AddSingleton(new Admin(install));
        var app = builder.Build();
        app.MapGrpcService<Admin>();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new ScriptedRegistry(app);
    }

    public GrpcChannel OpenChannel(Uri address) => RegistryChannel.ForAddress(address, _app.GetTestServer().CreateHandler());

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed class Admin(Func<InstallPluginRequest, InstallPluginResponse> install) : RegistryAdmin.RegistryAdminBase
    {
        public override Task<InstallPluginResponse> InstallPlugin(InstallPluginRequest request, ServerCallContext context) =>
            Task.FromResult(install(request));
    }
}
