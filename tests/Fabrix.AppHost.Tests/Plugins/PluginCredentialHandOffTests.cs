using System.Net;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Plugins;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Testing;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.AppHost.Tests.Plugins;

/// <summary>
/// Issue 7: the AppHost hands each sample the registration credential its install issued, and on a rerun (already
/// installed, no secret kept) rotates it so the plugin always gets a working one. A fake RegistryAdmin records the calls.
/// </summary>
public sealed class PluginCredentialHandOffTests : IAsyncLifetime
{
    private const string Manifest = """
        {
          "id": "hand-off", "name": "Hand-off plugin", "version": "1.0.0",
          "contracts": ["IdentityPlugin"], "traits": ["audit_required"],
          "security": { "authentication_required": true, "data_classification": ["internal"] },
          "compliance": { "audit_level": "basic" }
        }
        """;

    private readonly FakeRegistryAdmin _admin = new();
    private readonly TempFolder _data = new();
    private readonly RecordingLogger _log = new();
    private InstallContext _context = null!;
    private WebApplication? _server;
    private string _url = string.Empty;
    private PluginManifestFile _manifest = null!;

    public async ValueTask InitializeAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(_admin);
        _server = builder.Build();
        _server.MapGrpcService<FakeRegistryAdmin>();
        await _server.StartAsync(TestContext.Current.CancellationToken);
        _url = $"http://127.0.0.1:{port}";
        _context = new InstallContext(new FabrixLayout(RepositoryRoot.Path, _data.Path, 0), _log, TimeProvider.System);
        DevelopmentAdminToken.EnsureKeyFile(_context.Layout.DevAdminKeyFile);
        var path = _data.Combine("manifest.json");
        await File.WriteAllTextAsync(path, Manifest, TestContext.Current.CancellationToken);
        _manifest = PluginManifestFile.Load(path, "manifest.json");
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _data.Dispose();
    }

    [Fact]
    public async Task EnsureInstalled_NotInstalled_ReturnsTheCredentialTheInstallIssued()
    {
        var credential = await PluginInstaller.EnsureInstalledAsync(_context, _url, _manifest, TestContext.Current.CancellationToken);

        Assert.Equal(FakeRegistryAdmin.InstalledSecret, credential);
        Assert.Equal(["GetPlugin", "InstallPlugin"], _admin.Calls);
    }

    [Fact]
    public async Task EnsureInstalled_AlreadyInstalledWithThisManifest_RotatesAndReturnsTheNewCredential()
    {
        _admin.Installed = new PluginDetail
        {
            Summary = new PluginSummary { Id = "hand-off", Version = "1.0.0", Status = PluginStatus.Active },
            ManifestDigest = _manifest.Digest,
        };

        var credential = await PluginInstaller.EnsureInstalledAsync(_context, _url, _manifest, TestContext.Current.CancellationToken);

        Assert.Equal(FakeRegistryAdmin.RotatedSecret, credential);
        Assert.Equal(["GetPlugin", "RotateRegistrationCredential"], _admin.Calls);
        Assert.Equal("hand-off", _admin.RotatedId);
        Assert.Contains(_log.Messages, m => m.StartsWith("Rotated the registration credential of hand-off", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Messages, m => m.Contains(FakeRegistryAdmin.RotatedSecret, StringComparison.Ordinal));
    }

    private sealed class FakeRegistryAdmin : RegistryAdmin.RegistryAdminBase
    {
        public const string InstalledSecret = "fxrc_aaaaaaaaaaaaaaaa_installed-secret";
        public const string RotatedSecret = "fxrc_bbbbbbbbbbbbbbbb_rotated-secret";

        public List<string> Calls { get; } = [];

        public PluginDetail? Installed { get; set; }

        public string? RotatedId { get; private set; }

        public override Task<PluginDetail> GetPlugin(GetPluginRequest request, ServerCallContext context)
        {
            Calls.Add("GetPlugin");
            return Installed is { } detail ? Task.FromResult(detail) : throw new RpcException(new Status(StatusCode.NotFound, "not installed"));
        }

        public override Task<InstallPluginResponse> InstallPlugin(InstallPluginRequest request, ServerCallContext context)
        {
            Calls.Add("InstallPlugin");
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
}
