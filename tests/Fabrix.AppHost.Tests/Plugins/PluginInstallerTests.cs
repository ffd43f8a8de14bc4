using Fabrix.AppHost.Plugins;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;

namespace Fabrix.AppHost.Tests.Plugins;

public sealed class PluginInstallerTests
{
    private const string Digest = "3f1c0a";

    [Fact]
    public void Decide_NotInstalled_Installs() =>
        Assert.Equal(InstallAction.Install, PluginInstaller.Decide(null, Digest));

    [Theory]
    [InlineData(PluginStatus.Installed)]
    [InlineData(PluginStatus.Registered)]
    [InlineData(PluginStatus.Active)]
    [InlineData(PluginStatus.Disabled)]
    public void Decide_InstalledWithTheSameDigest_Skips(PluginStatus status) =>
        Assert.Equal(InstallAction.Skip, PluginInstaller.Decide(Detail(status, Digest), Digest));

    [Fact]
    public void Decide_DigestInOtherLetterCase_IsTheSameDigest() =>
        Assert.Equal(InstallAction.Skip, PluginInstaller.Decide(Detail(PluginStatus.Active, Digest.ToUpperInvariant()), Digest));

    [Fact]
    public void Decide_Unregistered_InstallsAgainEvenWithTheSameDigest() =>
        Assert.Equal(InstallAction.Reinstall, PluginInstaller.Decide(Detail(PluginStatus.Unregistered, Digest), Digest));

    [Fact]
    public void Decide_InstalledWithAnotherManifest_InstallsTheNewOne() =>
        Assert.Equal(InstallAction.Replace, PluginInstaller.Decide(Detail(PluginStatus.Active, "0000"), Digest));

    [Fact]
    public void Load_SampleManifest_ReadsItsIdAndTheRegistryDigest()
    {
        var folder = TestRun.CreateOpenTempFolder("fabrix-manifest-");
        var path = Path.Combine(folder, "manifest.json");
        var json = """
            {
              "id": "user-management", "name": "User Management Plugin", "version": "1.0.0",
              "contracts": ["IdentityPlugin"], "traits": ["handles_pii", "audit_required"],
              "security": { "authentication_required": true, "data_classification": ["pii", "internal"] },
              "compliance": { "hipaa_controls": ["164.312(a)"], "audit_level": "detailed" }
            }
            """;
        File.WriteAllText(path, json);

        var manifest = PluginManifestFile.Load(path, "manifest.json");

        Assert.Equal("user-management", manifest.PluginId);
        Assert.Equal("1.0.0", manifest.Version);
        Assert.Equal(ManifestDigest.Compute(json), manifest.Digest);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Load_InvalidManifest_FailsWithEveryErrorAndItsPathOnOneLine()
    {
        var folder = TestRun.CreateOpenTempFolder("fabrix-manifest-");
        var path = Path.Combine(folder, "manifest.json");
        File.WriteAllText(path, """{ "id": "Bad Id", "name": "x", "version": "1.0.0" }""");

        var error = Assert.Throws<AppHostException>(() => PluginManifestFile.Load(path, "Plugins.Samples/X/manifest.json"));

        Assert.StartsWith("plugin manifest Plugins.Samples/X/manifest.json is not valid: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("$.id", error.Message, StringComparison.Ordinal);
        Assert.Contains("$.security", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Load_MissingFile_SaysWhichFile()
    {
        var error = Assert.Throws<AppHostException>(() => PluginManifestFile.Load("/nonexistent/manifest.json", "Plugins.Samples/X/manifest.json"));

        Assert.Equal("plugin manifest Plugins.Samples/X/manifest.json not found", error.Message);
    }

    private static PluginDetail Detail(PluginStatus status, string digest) => new()
    {
        Summary = new PluginSummary { Id = "user-management", Status = status },
        ManifestDigest = digest,
    };
}
