using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Plugins;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Testing;

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

    private readonly TempFolder _data = new();
    private readonly RecordingLogger _log = new();
    private InstallContext _context = null!;
    private FakeRegistry? _registry;
    private PluginManifestFile _manifest = null!;

    public async ValueTask InitializeAsync()
    {
        _registry = await FakeRegistry.StartAsync(FreePort.Next());
        _context = new InstallContext(new FabrixLayout(RepositoryRoot.Path, _data.Path, 0), _log, TimeProvider.System);
        DevelopmentAdminToken.EnsureKeyFile(_context.Layout.DevAdminKeyFile);
        var path = _data.Combine("manifest.json");
        await File.WriteAllTextAsync(path, Manifest, TestContext.Current.CancellationToken);
        _manifest = PluginManifestFile.Load(path, "manifest.json");
    }

    public async ValueTask DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }

        _data.Dispose();
    }

    private FakeRegistry Registry => _registry ?? throw new InvalidOperationException("The fake registry did not start.");

    [Fact]
    public async Task EnsureInstalled_NotInstalled_ReturnsTheCredentialTheInstallIssued()
    {
        var credential = await PluginInstaller.EnsureInstalledAsync(_context, Registry.Url, _manifest, TestContext.Current.CancellationToken);

        Assert.Equal(FakeRegistryAdmin.InstalledSecret, credential);
        Assert.Equal(["GetPlugin", "InstallPlugin"], Registry.Admin.Calls);
    }

    [Fact]
    public async Task EnsureInstalled_AlreadyInstalledWithThisManifest_RotatesAndReturnsTheNewCredential()
    {
        Registry.Admin.Installed = new PluginDetail
        {
            Summary = new PluginSummary { Id = "hand-off", Version = "1.0.0", Status = PluginStatus.Active },
            ManifestDigest = _manifest.Digest,
        };

        var credential = await PluginInstaller.EnsureInstalledAsync(_context, Registry.Url, _manifest, TestContext.Current.CancellationToken);

        Assert.Equal(FakeRegistryAdmin.RotatedSecret, credential);
        Assert.Equal(["GetPlugin", "RotateRegistrationCredential"], Registry.Admin.Calls);
        Assert.Equal("hand-off", Registry.Admin.RotatedId);
        Assert.Contains(_log.Messages, m => m.StartsWith("Rotated the registration credential of hand-off", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Messages, m => m.Contains(FakeRegistryAdmin.RotatedSecret, StringComparison.Ordinal));
    }
}
