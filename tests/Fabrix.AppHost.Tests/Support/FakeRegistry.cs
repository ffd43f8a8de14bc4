using System.Net;
using Fabrix.Contracts.Registry.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.AppHost.Tests.Support;

/// <summary>A RegistryAdmin gRPC server (h2c on 127.0.0.1) whose answers a test sets and whose calls it reads.</summary>
internal sealed class FakeRegistry : IAsyncDisposable
{
    private readonly WebApplication _server;

    private FakeRegistry(WebApplication server, int port, FakeRegistryAdmin admin)
    {
        _server = server;
        Url = $"http://127.0.0.1:{port}";
        Admin = admin;
    }

    public FakeRegistryAdmin Admin { get; }

    public string Url { get; }

    public static async Task<FakeRegistry> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var admin = new FakeRegistryAdmin();
        builder.Services.AddSingleton(admin);
        var server = builder.Build();
        server.MapGrpcService<FakeRegistryAdmin>();
        await server.StartAsync(TestContext.Current.CancellationToken);
        return new FakeRegistry(server, port, admin);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

internal sealed class FakeRegistryAdmin : RegistryAdmin.RegistryAdminBase
{
    public const string InstalledSecret = "fxrc_aaaaaaaaaaaaaaaa_installed-secret";
    public const string RotatedSecret = "fxrc_bbbbbbbbbbbbbbbb_rotated-secret";

    public List<string> Calls { get; } = [];

    public PluginDetail? Installed { get; set; }

    public string? RotatedId { get; private set; }

    /// <summary>The last InstallPlugin request: the manifest text installed and whether it asked to be enabled on registration.</summary>
    public InstallPluginRequest? InstallRequest { get; private set; }

    public override Task<PluginDetail> GetPlugin(GetPluginRequest request, ServerCallContext context)
    {
        Calls.Add("GetPlugin");
        return Installed is { } detail ? Task.FromResult(detail) : throw new RpcException(new Status(StatusCode.NotFound, "not installed"));
    }

    public override Task<InstallPluginResponse> InstallPlugin(InstallPluginRequest request, ServerCallContext context)
    {
        Calls.Add("InstallPlugin");
        InstallRequest = request;
        return Task.FromResult(new InstallPluginResponse
        {
            Plugin = new PluginDetail { Summary = new PluginSummary { Id = "hand-off", Status = PluginStatus.Installed } },
            RegistrationCredential = new RegistrationCredential { Secret = InstalledSecret, Info = new RegistrationCredentialInfo { CredentialId = "aaaaaaaaaaaaaaaa" } },
        });
    }

    public override Task<RotateRegistrationCredentialResponse> RotateRegistrationCredential(RegistrationCredentialRequest request, ServerCallContext context)
    {
        Calls.Add("RotateRegistrationCredential");
        RotatedId = request.Id;
        return Task.FromResult(new RotateRegistrationCredentialResponse
        {
            Plugin = Installed,
            Credential = new RegistrationCredential { Secret = RotatedSecret, Info = new RegistrationCredentialInfo { CredentialId = "bbbbbbbbbbbbbbbb" } },
        });
    }
}
