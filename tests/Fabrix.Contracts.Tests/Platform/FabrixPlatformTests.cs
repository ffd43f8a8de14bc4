using System.Reflection;
using Fabrix.Contracts.Platform;
using Semver;

namespace Fabrix.Contracts.Tests.Platform;

public sealed class FabrixPlatformTests
{
    [Fact]
    public void Version_IsInformationalVersionWithoutMetadata()
    {
        var stamped = typeof(FabrixPlatform).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        var version = FabrixPlatform.Version;

        Assert.Equal(stamped, FabrixPlatform.InformationalVersion);
        Assert.Equal(SemVersion.Parse(stamped, SemVersionStyles.Strict).WithoutMetadata(), version);
        Assert.Empty(version.Metadata);
    }

    [Fact]
    public void Version_AgreesWithAssemblyVersionFromMsBuild()
    {
        var assemblyVersion = typeof(FabrixPlatform).Assembly.GetName().Version!;

        var version = FabrixPlatform.Version;

        Assert.Equal(assemblyVersion.Major, version.Major);
        Assert.Equal(assemblyVersion.Minor, version.Minor);
        Assert.Equal(assemblyVersion.Build, version.Patch);
    }
}
