using Fabrix.Core.Registry.Plugins;

namespace Fabrix.Core.Registry.Tests.Administration;

public sealed class PluginVersionsTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Describe_VersionsInstalledOutOfTextOrder_NewestFirstBySemVerPrecedence()
    {
        var revisions = new[] { Revision(1, "1.0.0"), Revision(2, "1.2.0"), Revision(3, "1.10.0"), Revision(4, "2.0.0-beta.1") };

        var versions = PluginVersions.Describe(revisions, pinnedRevision: 2);

        Assert.Equal(["2.0.0-beta.1", "1.10.0", "1.2.0", "1.0.0"], versions.Select(v => v.Version));
        Assert.Equal([false, false, true, false], versions.Select(v => v.Pinned));
    }

    [Fact]
    public void Describe_SameVersionAndDigestStoredTwice_IsOneVersionWithItsFirstInstallation()
    {
        var revisions = new[] { Revision(1, "1.0.0", "aa", "user:first"), Revision(2, "1.1.0"), Revision(3, "1.0.0", "aa", "user:again") };

        var versions = PluginVersions.Describe(revisions, pinnedRevision: 3);

        Assert.Equal(2, versions.Count);
        var original = versions.Single(v => v.Version == "1.0.0");
        Assert.Equal(("user:first", T0.AddDays(1), true, 3), (original.InstalledBy, original.InstalledAt, original.Pinned, original.Revision));
    }

    [Fact]
    public void Find_ExactText_ReturnsNewestRevisionAndNullWhenAbsent()
    {
        var revisions = new[] { Revision(1, "1.0.0", "aa"), Revision(2, "1.0.0", "bb") };

        Assert.Equal(2, PluginVersions.Find(revisions, "1.0.0")!.Revision);
        Assert.Null(PluginVersions.Find(revisions, "1.0"));
        Assert.Equal(1, PluginVersions.FindByDigest(revisions, "aa")!.Revision);
    }

    private static ManifestVersionRecord Revision(int revision, string version, string? digest = null, string by = "user:morgan") =>
        new(revision, version, "{}", digest ?? new string((char)('a' + revision), 64), T0.AddDays(revision), by);
}
