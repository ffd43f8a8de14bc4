using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Platform;
using Fabrix.Contracts.Tests.Manifests;
using Semver;

namespace Fabrix.Contracts.Tests.Platform;

public sealed class PlatformCompatibilityTests
{
    /// <summary>Range, Fabrix version, whether that version is inside the range.</summary>
    public static TheoryData<string, string, bool> Cases => new()
    {
        { ">=1.0.0 <2.0.0", "1.0.0", true },
        { ">=1.0.0 <2.0.0", "1.9.9", true },
        { ">=1.0.0 <2.0.0", "2.0.0", false },
        { ">=1.0.0 <2.0.0", "0.9.0", false },
        { ">=2.0.0 <3.0.0", "1.0.0", false },
        { "^1.2", "1.2.0", true },
        { "^1.2", "1.9.0", true },
        { "^1.2", "1.1.9", false },
        { "^1.2", "2.0.0", false },
        { "~1.4.0", "1.4.7", true },
        { "~1.4.0", "1.5.0", false },
        { "1.x", "1.3.0", true },
        { "1.x", "2.0.0", false },
        { "^1.0.0 || ^3.0.0", "3.1.0", true },
        { "^1.0.0 || ^3.0.0", "2.1.0", false },
        { "1.0.0 - 1.9.0", "1.9.0", true },
        { "1.0.0 - 1.9.0", "1.9.1", false },
        { "*", "7.0.0", true },

        // Pre-releases of Fabrix (npm rule): only ranges naming a pre-release of the same MAJOR.MINOR.PATCH admit them.
        { "<2.0.0", "2.0.0-alpha", false },
        { ">=1.0.0", "1.1.0-rc.1", false },
        { ">=2.0.0-beta.1", "2.0.0-beta.2", true },
        { ">=2.0.0-beta.1", "2.0.0-alpha", false },
        { ">=2.0.0-beta.1", "2.0.0", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Check_PlatformRange_CompatibleExactlyInsideRange(string range, string fabrix, bool expected)
    {
        var manifest = Manifest(range);

        var result = PlatformCompatibility.Check(manifest, SemVersion.Parse(fabrix));

        Assert.Equal(expected, result.IsCompatible);
        Assert.Equal(range, result.RequiredRange);
        if (expected)
        {
            Assert.Null(result.Reason);
        }
        else
        {
            Assert.Equal($"Plugin 'echo' 0.1.0 requires Fabrix {range}; this is Fabrix {fabrix}.", result.Reason);
        }
    }

    [Fact]
    public void Check_OutsideRange_ReasonNamesBothVersions()
    {
        var result = PlatformCompatibility.Check(Manifest(">=2.0.0 <3.0.0"), SemVersion.Parse("1.0.0"));

        Assert.False(result.IsCompatible);
        Assert.Equal("Plugin 'echo' 0.1.0 requires Fabrix >=2.0.0 <3.0.0; this is Fabrix 1.0.0.", result.Reason);
        Assert.Equal("echo", result.PluginId);
        Assert.Equal("0.1.0", result.PluginVersion);
        Assert.Equal(SemVersion.Parse("1.0.0"), result.PlatformVersion);
    }

    [Theory]
    [InlineData("0.0.1")]
    [InlineData("1.0.0")]
    [InlineData("99.0.0-alpha")]
    public void Check_NoPlatformRange_CompatibleWithEveryVersion(string fabrix)
    {
        var result = PlatformCompatibility.Check(Manifest(null), SemVersion.Parse(fabrix));

        Assert.True(result.IsCompatible);
        Assert.Null(result.RequiredRange);
        Assert.Null(result.Reason);
    }

    [Theory]
    [InlineData("1.0.0", true)]
    [InlineData("1.0.1", false)]
    public void Check_PlatformVersionWithBuildMetadata_MetadataIgnored(string range, bool expected)
    {
        var result = PlatformCompatibility.Check(Manifest(range), SemVersion.Parse("1.0.0+50a4edb"));

        Assert.Equal(expected, result.IsCompatible);
        if (!expected)
        {
            Assert.EndsWith("this is Fabrix 1.0.0.", result.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Check_HandBuiltManifestWithUnparsableRange_IncompatibleAndSaysWhy()
    {
        var manifest = Manifest(null) with { Platform = "latest" };

        var result = PlatformCompatibility.Check(manifest, SemVersion.Parse("1.0.0"));

        Assert.False(result.IsCompatible);
        Assert.Contains("'latest'", result.Reason, StringComparison.Ordinal);
        Assert.Contains("npm syntax", result.Reason, StringComparison.Ordinal);
        Assert.Contains("this is Fabrix 1.0.0", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WithoutVersion_UsesRunningFabrixVersion()
    {
        var running = FabrixPlatform.Version;

        var inside = PlatformCompatibility.Check(Manifest("=" + running));
        var outside = PlatformCompatibility.Check(Manifest(">" + running));

        Assert.True(inside.IsCompatible);
        Assert.False(outside.IsCompatible);
        Assert.Equal(running, outside.PlatformVersion);
        Assert.EndsWith($"this is Fabrix {running}.", outside.Reason, StringComparison.Ordinal);
    }

    private static PluginManifest Manifest(string? platform)
    {
        var json = ManifestFixtures.Edit(ManifestFixtures.Echo, ("platform", platform is null ? null : ManifestFixtures.Quote(platform)));
        var result = ManifestValidator.Validate(json);
        return Assert.IsType<PluginManifest>(result.Manifest);
    }
}
