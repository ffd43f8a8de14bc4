using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Plugins;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Fabrix.AppHost.Tests.Plugins;

public sealed class PluginInstallerTests
{
    private const string Digest = "3f1c0a";

    private const string HealthCheck = """{ "type": "http", "port": 5200, "path": "/health" }""";

    private const string AlreadyInstalledReason =
        "Plugin 'sample-plugin' is already installed and active with a different manifest (version 1.0.0): to add a version, upgrade it; to start over, unregister it, then install.";

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
        using var folder = new TempFolder();
        var path = folder.Combine("manifest.json");
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
    }

    [Fact]
    public void Load_InvalidManifest_FailsWithEveryErrorAndItsPathOnOneLine()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("manifest.json");
        File.WriteAllText(path, """{ "id": "Bad Id", "name": "x", "version": "1.0.0" }""");

        var error = Assert.Throws<AppHostException>(() => PluginManifestFile.Load(path, "Plugins.Samples/X/manifest.json"));

        Assert.StartsWith("plugin manifest Plugins.Samples/X/manifest.json is not valid: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("$.id", error.Message, StringComparison.Ordinal);
        Assert.Contains("$.security", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Load_MissingFile_SaysWhichFile()
    {
        var error = Assert.Throws<AppHostException>(() => PluginManifestFile.Load("/nonexistent/manifest.json", "Plugins.Samples/X/manifest.json"));

        Assert.Equal("plugin manifest Plugins.Samples/X/manifest.json not found", error.Message);
    }

    [Fact]
    public void RefusalMessage_SameVersionInstalledWithAnotherHealthCheckPort_SaysSoAndSuggestsAFreshDataFolderOrTheSameOffset()
    {
        var installed = Installed(RunManifest.WithHealthCheckPort(RunManifestTests.ManifestJson(HealthCheck), 5200));
        var manifest = Manifest(RunManifest.WithHealthCheckPort(RunManifestTests.ManifestJson(HealthCheck), 5210));

        var message = PluginInstaller.RefusalMessage(AlreadyInstalledRefusal(), installed, manifest, "/srv/fabrix-data");

        Assert.StartsWith(
            "plugin sample-plugin 1.0.0 is already installed in the registry of data folder /srv/fabrix-data with health_check.port 5200, "
                + "but this run gives the plugin port 5210: the folder was used before with another --port-offset (or --port), and an "
                + "installed version cannot change. Run with a fresh --data directory, or with the port offset this folder was used with. ",
            message,
            StringComparison.Ordinal);
        Assert.EndsWith("The registry said: AlreadyExists: " + AlreadyInstalledReason, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void RefusalMessage_SameVersionInstalledWithOtherContent_NamesBothDigests()
    {
        var installed = Installed(RunManifestTests.ManifestJson(HealthCheck).Replace("Sample Plugin", "Renamed Plugin", StringComparison.Ordinal));
        var manifest = Manifest(RunManifestTests.ManifestJson(HealthCheck));

        var message = PluginInstaller.RefusalMessage(AlreadyInstalledRefusal(), installed, manifest, "/srv/fabrix-data");

        Assert.StartsWith(
            $"plugin sample-plugin 1.0.0 is already installed in the registry of data folder /srv/fabrix-data with a different manifest "
                + $"(installed digest {installed.ManifestDigest}, {FabrixLayout.Display(manifest.Path)} has {manifest.Digest}), and an installed "
                + "version cannot change. If the folder was used before with another --port-offset (or --port), run with a fresh --data "
                + "directory or with that port offset; ",
            message,
            StringComparison.Ordinal);
        Assert.Contains("give it a new version", message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusalMessage_VersionExistsAmongEarlierVersions_NamesTheDigestOfThatVersion()
    {
        var manifest = Manifest(RunManifestTests.ManifestJson(HealthCheck));
        var installed = Detail(PluginStatus.Unregistered, "1111");
        installed.Summary.Version = "1.1.0";
        installed.Versions.Add(new PluginVersionInfo { Version = "1.1.0", ManifestDigest = "1111" });
        installed.Versions.Add(new PluginVersionInfo { Version = "1.0.0", ManifestDigest = "0000" });
        var refusal = Refusal(Code.AlreadyExists, "VERSION_EXISTS", "Plugin 'sample-plugin' version 1.0.0 is already installed with different content.");

        var message = PluginInstaller.RefusalMessage(refusal, installed, manifest, "/srv/fabrix-data");

        Assert.Contains($"with a different manifest (installed digest 0000, {FabrixLayout.Display(manifest.Path)} has {manifest.Digest})", message, StringComparison.Ordinal);
        Assert.Contains("fresh --data directory", message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusalMessage_AnotherVersionIsInstalled_IsTheRegistrysReason()
    {
        var manifest = Manifest(RunManifestTests.ManifestJson(HealthCheck));
        var installed = Detail(PluginStatus.Active, "1111");
        installed.Summary.Version = "1.1.0";

        var message = PluginInstaller.RefusalMessage(AlreadyInstalledRefusal(), installed, manifest, "/srv/fabrix-data");

        Assert.Equal($"the registry refused to install sample-plugin from {FabrixLayout.Display(manifest.Path)}: AlreadyExists: {AlreadyInstalledReason}", message);
    }

    [Fact]
    public void RefusalMessage_OtherRefusal_IsTheRegistrysReason()
    {
        var manifest = Manifest(RunManifestTests.ManifestJson(HealthCheck));
        var refusal = Refusal(Code.FailedPrecondition, "PLATFORM_INCOMPATIBLE", "Plugin 'sample-plugin' needs Fabrix >=2.0.0.");

        var message = PluginInstaller.RefusalMessage(refusal, installed: null, manifest, "/srv/fabrix-data");

        Assert.Equal($"the registry refused to install sample-plugin from {FabrixLayout.Display(manifest.Path)}: FailedPrecondition: Plugin 'sample-plugin' needs Fabrix >=2.0.0.", message);
    }

    private static RpcException AlreadyInstalledRefusal() => Refusal(Code.AlreadyExists, "ALREADY_INSTALLED", AlreadyInstalledReason);

    /// <summary>A refusal as the registry sends it: the status and a google.rpc.ErrorInfo with the refusal code.</summary>
    private static RpcException Refusal(Code code, string reason, string message)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = reason, Domain = "registry.fabrix" }));
        return status.ToRpcException();
    }

    private static PluginDetail Installed(string json) => new()
    {
        Summary = new PluginSummary { Id = "sample-plugin", Version = "1.0.0", Status = PluginStatus.Active },
        ManifestJson = json,
        ManifestDigest = ManifestDigest.Compute(json),
    };

    private static PluginManifestFile Manifest(string json)
    {
        var manifest = ManifestValidator.Validate(json).Manifest!;
        return new PluginManifestFile("/srv/fabrix-data/plugins/sample-plugin/manifest.json", json, manifest.Id, manifest.Version, ManifestDigest.Compute(json))
        {
            HealthCheck = manifest.HealthCheck,
        };
    }

    private static PluginDetail Detail(PluginStatus status, string digest) => new()
    {
        Summary = new PluginSummary { Id = "user-management", Status = status },
        ManifestDigest = digest,
    };
}
