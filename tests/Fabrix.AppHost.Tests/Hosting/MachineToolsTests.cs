using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Hosting;

public sealed class MachineToolsTests
{
    [Fact]
    public void Require_MissingBinary_FailsOnOneLineNamingItAndTheFix()
    {
        var error = Assert.Throws<AppHostException>(() => MachineTools.Require("fabrix-no-such-binary"));

        Assert.Equal(
            "fabrix-no-such-binary is not installed (not found on PATH); install it with `bash eng/setup.sh` (or `sudo apt-get install -y postgresql nats-server`)",
            error.Message);
    }

    [Fact]
    public void Require_BinaryOnPath_IsItsFullPath()
    {
        var bash = MachineTools.Require("bash");

        Assert.True(Path.IsPathRooted(bash));
        Assert.True(File.Exists(bash));
    }

    [Fact]
    public void RequirePostgresBin_NoCluster_HasInitdbAndPostgres()
    {
        using var data = new TempFolder();

        var bin = MachineTools.RequirePostgresBin(data.Combine("postgres/data"));

        Assert.True(File.Exists(Path.Combine(bin, "initdb")));
        Assert.True(File.Exists(Path.Combine(bin, "postgres")));
    }

    [Theory]
    [InlineData("15\n", 15)]
    [InlineData("not a version", null)]
    public void ClusterMajorVersion_PgVersionFile_IsItsNumber(string content, int? expected)
    {
        using var data = new TempFolder();
        File.WriteAllText(data.Combine("PG_VERSION"), content);

        Assert.Equal(expected, MachineTools.ClusterMajorVersion(data.Path));
    }

    [Fact]
    public void ClusterMajorVersion_NoCluster_IsNull()
    {
        using var data = new TempFolder();

        Assert.Null(MachineTools.ClusterMajorVersion(data.Path));
    }
}
