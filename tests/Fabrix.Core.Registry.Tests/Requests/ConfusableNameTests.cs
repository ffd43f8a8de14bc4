using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Tests.Infrastructure;

namespace Fabrix.Core.Registry.Tests.Requests;

/// <summary>Issue 7 section 4: a name confusable with an installed plugin's is a warning at install, not a refusal.</summary>
public sealed class ConfusableNameTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Install_CyrillicCopyOfInstalledName_WarnsAtNameNamingThePlugin()
    {
        var original = TestManifests.NewId("users");
        await Install(original, "User Management");
        var copy = TestManifests.NewId("copy");

        var response = await Install(copy, "Us\u0435r M\u0430n\u0430g\u0435m\u0435nt");

        Assert.Equal(PluginStatus.Installed, response.Plugin.Summary.Status);
        var warning = Assert.Single(response.Warnings, w => w.Path == "$.name");
        Assert.Contains($"'{original}'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("UTS #39", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_UnrelatedName_NoNameWarning()
    {
        await Install(TestManifests.NewId("ledger"), "Ledger");

        var response = await Install(TestManifests.NewId("mail"), "Mail Relay");

        Assert.DoesNotContain(response.Warnings, w => w.Path == "$.name");
    }

    private Task<InstallPluginResponse> Install(string id, string name)
    {
        var manifest = TestManifests.Manifest(id);
        manifest["name"] = name;
        return host.Admin.InstallPluginAsync(new InstallPluginRequest { ManifestJson = manifest.ToJsonString() }, host.Manager, cancellationToken: Ct).ResponseAsync;
    }
}
