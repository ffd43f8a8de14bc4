using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Plugins;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AppHost.Tests.Plugins;

/// <summary>
/// Issue 8 section 2: the sample is installed with its registration credential right before it starts. The platform's
/// model is built (not run) with a fake registry listening at the registry's gRPC address, and the plugin's environment
/// is resolved as for a run.
/// </summary>
public sealed class PluginInstallationTests
{
    [Fact]
    public async Task UserManagement_RunEnvironment_CarriesTheCredentialTheInstallIssued()
    {
        var (registry, offset) = await StartRegistryAtTheGrpcPortOfSomeOffsetAsync();
        await using var _ = registry;
        using var platform = new PlatformModel(offset);
        // The development key exists before any service starts (Preflight writes it).
        DevelopmentAdminToken.EnsureKeyFile(platform.Layout.DevAdminKeyFile);

        var environment = await platform.RunEnvironmentAsync("user-management");

        Assert.Equal(FakeRegistryAdmin.InstalledSecret, environment[PluginInstallation.RegistrationCredentialVariable]);
        Assert.Equal(["GetPlugin", "InstallPlugin"], registry.Admin.Calls);
        Assert.True(registry.Admin.InstallRequest!.EnableOnRegister);
        // The plugin registers with the very text that was installed (the copy with this run's health_check.port).
        Assert.Equal(File.ReadAllText(environment[RunManifest.ManifestPathVariable]!), registry.Admin.InstallRequest.ManifestJson);
    }

    [Fact]
    public async Task UserManagement_RunEnvironmentWhenAlreadyInstalled_CarriesARotatedCredential()
    {
        var (registry, offset) = await StartRegistryAtTheGrpcPortOfSomeOffsetAsync();
        await using var _ = registry;
        using var platform = new PlatformModel(offset);
        DevelopmentAdminToken.EnsureKeyFile(platform.Layout.DevAdminKeyFile);
        var copy = PluginManifestFile.Load(platform.Layout.DataPath(RunManifest.CopyPath("user-management")), "manifest.json");
        registry.Admin.Installed = new PluginDetail
        {
            Summary = new PluginSummary { Id = "user-management", Version = "1.0.0", Status = PluginStatus.Active },
            ManifestDigest = copy.Digest,
        };

        var environment = await platform.RunEnvironmentAsync("user-management");

        Assert.Equal(FakeRegistryAdmin.RotatedSecret, environment[PluginInstallation.RegistrationCredentialVariable]);
        Assert.Equal(["GetPlugin", "RotateRegistrationCredential"], registry.Admin.Calls);
        Assert.Equal("user-management", registry.Admin.RotatedId);
    }

    /// <summary>
    /// A fake registry on port 5101 + offset (the registry's gRPC port under that offset), for an offset whose port is
    /// free: the plugin's install callback calls the registry where the model says it is.
    /// </summary>
    private static async Task<(FakeRegistry Registry, int Offset)> StartRegistryAtTheGrpcPortOfSomeOffsetAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var offset = Random.Shared.Next(20000, 40000);
            try
            {
                return (await FakeRegistry.StartAsync(FabrixPorts.RegistryGrpc + offset), offset);
            }
            catch (IOException) when (attempt < 10)
            {
                // Taken by something else: another offset.
            }
        }
    }
}
