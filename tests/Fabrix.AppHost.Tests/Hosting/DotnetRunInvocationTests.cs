using Fabrix.AppHost.Hosting;

namespace Fabrix.AppHost.Tests.Hosting;

/// <summary>Issue 7 section 6: <c>dotnet run --project AppHost --no-build</c> builds nothing, the services included.</summary>
public sealed class DotnetRunInvocationTests
{
    [Theory]
    [InlineData(true, "dotnet", "run", "--project", "AppHost", "--no-build")]
    [InlineData(true, "/usr/share/dotnet/dotnet", "run", "--no-build", "--project", "AppHost", "--", "--port-offset", "40")]
    [InlineData(false, "dotnet", "run", "--project", "AppHost")]
    [InlineData(false, "dotnet", "run", "--project", "AppHost", "--", "--no-build")]
    [InlineData(false, "dotnet", "test", "--no-build")]
    [InlineData(false, "/bin/bash", "run", "--no-build")]
    [InlineData(false, "dotnet")]
    public void AsksForNoBuild_ParentCommandLine_OnlyDotnetRunWithItsOwnNoBuild(bool expected, params string[] parent) =>
        Assert.Equal(expected, DotnetRunInvocation.AsksForNoBuild(parent));

    [Fact]
    public void ParentAskedForNoBuild_TestHostParent_IsFalse() =>
        // The test host is started by `dotnet test`, not `dotnet run --no-build`: the real /proc path, read end to end.
        Assert.False(DotnetRunInvocation.ParentAskedForNoBuild());
}
