using Fabrix.Contracts.Manifests;

namespace Fabrix.Contracts.Tests.Manifests;

public sealed class ManifestVersionOrderingTests
{
    /// <summary>Pairs where the first strictly precedes the second (SemVer 2.0 section 11 and its example chain).</summary>
    public static TheoryData<string, string> Ascending => new()
    {
        { "1.0.0-alpha", "1.0.0" },
        { "1.0.0-alpha", "1.0.0-alpha.1" },
        { "1.0.0-alpha.1", "1.0.0-alpha.beta" },
        { "1.0.0-alpha.beta", "1.0.0-beta" },
        { "1.0.0-beta", "1.0.0-beta.2" },
        { "1.0.0-beta.2", "1.0.0-beta.11" },
        { "1.0.0-beta.11", "1.0.0-rc.1" },
        { "1.0.0-rc.1", "1.0.0" },
        { "1.0.0", "1.0.1" },
        { "1.0.1", "1.1.0" },
        { "1.9.0", "1.10.0" },
        { "2.0.0", "10.0.0" },
        { "1.0.0", "2.0.0-alpha" },
        { "1.0.0+zzz", "1.0.1+aaa" },
    };

    /// <summary>Pairs of the same precedence: equal, or differing only in build metadata.</summary>
    public static TheoryData<string, string> Same => new()
    {
        { "1.0.0", "1.0.0" },
        { "1.0.0+a", "1.0.0+b" },
        { "1.0.0", "1.0.0+build.5" },
        { "1.0.0-rc.1+x", "1.0.0-rc.1" },
    };

    [Theory]
    [MemberData(nameof(Ascending))]
    public void Compare_LowerPrecedence_NegativeAndReverseIsPositive(string lower, string higher)
    {
        Assert.Equal(-1, ManifestVersionOrdering.Compare(lower, higher));
        Assert.Equal(1, ManifestVersionOrdering.Compare(higher, lower));
        Assert.False(ManifestVersionOrdering.IsSameVersion(lower, higher));
    }

    [Theory]
    [MemberData(nameof(Same))]
    public void Compare_SamePrecedence_ZeroBuildMetadataIgnored(string left, string right)
    {
        Assert.Equal(0, ManifestVersionOrdering.Compare(left, right));
        Assert.True(ManifestVersionOrdering.IsSameVersion(left, right));
    }

    [Theory]
    [MemberData(nameof(Ascending))]
    public void IsUpgrade_HigherCandidate_TrueAndLowerCandidateFalse(string lower, string higher)
    {
        Assert.True(ManifestVersionOrdering.IsUpgrade(installed: lower, candidate: higher));
        Assert.False(ManifestVersionOrdering.IsUpgrade(installed: higher, candidate: lower));
    }

    [Theory]
    [MemberData(nameof(Same))]
    public void IsUpgrade_SameVersion_False(string installed, string candidate)
    {
        Assert.False(ManifestVersionOrdering.IsUpgrade(installed, candidate));
    }

    [Fact]
    public void Comparer_Sort_PrecedenceThenMetadata()
    {
        string[] versions = ["1.10.0", "1.0.0", "1.0.0-alpha", "1.2.0", "1.0.0-rc.1", "1.9.0+b", "1.9.0+a", "0.9.0"];

        var sorted = versions.Order(ManifestVersionOrdering.Comparer).ToArray();

        Assert.Equal(["0.9.0", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.9.0+a", "1.9.0+b", "1.10.0"], sorted);
    }

    [Fact]
    public void Latest_SeveralVersions_HighestPrecedence()
    {
        Assert.Equal("1.10.0", ManifestVersionOrdering.Latest(["1.0.0", "1.10.0", "1.9.0", "1.10.0-rc.1"]));
        Assert.Equal("1.0.0", ManifestVersionOrdering.Latest(["1.0.0-alpha", "1.0.0"]));
        Assert.Null(ManifestVersionOrdering.Latest([]));
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("v1.0.0")]
    [InlineData("latest")]
    public void Compare_NotASemanticVersion_Throws(string version)
    {
        Assert.Throws<ArgumentException>(() => ManifestVersionOrdering.Compare(version, "1.0.0"));
        Assert.Throws<ArgumentException>(() => ManifestVersionOrdering.Compare("1.0.0", version));
    }

    private const string D1 = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string D2 = "2222222222222222222222222222222222222222222222222222222222222222";
    private const string Other = "abababababababababababababababababababababababababababababababab";

    private static readonly InstalledManifestVersion[] s_installed = [new("1.0.0", D1), new("1.1.0", D2)];

    /// <summary>Candidate version and digest against 1.0.0 (D1) and 1.1.0 (D2); expected outcome, matched installed version.</summary>
    public static TheoryData<string, string, ManifestVersionOutcome, string?> Decisions => new()
    {
        { "1.2.0", Other, ManifestVersionOutcome.InstallNew, null },
        { "2.0.0-alpha", Other, ManifestVersionOutcome.InstallNew, null },
        { "1.1.0", D2, ManifestVersionOutcome.Identical, "1.1.0" },
        { "1.1.0", D2.ToUpperInvariant(), ManifestVersionOutcome.Identical, "1.1.0" },
        { "1.0.0", D1, ManifestVersionOutcome.Identical, "1.0.0" },
        { "1.1.0", Other, ManifestVersionOutcome.Conflict, "1.1.0" },
        { "1.1.0", D1, ManifestVersionOutcome.Conflict, "1.1.0" },
        { "1.0.0", Other, ManifestVersionOutcome.Conflict, "1.0.0" },
        { "1.1.0+build.2", Other, ManifestVersionOutcome.Conflict, "1.1.0" },
        { "1.0.5", Other, ManifestVersionOutcome.Downgrade, null },
        { "1.1.0-rc.1", Other, ManifestVersionOutcome.Downgrade, null },
        { "0.9.0", Other, ManifestVersionOutcome.Downgrade, null },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_CandidateAgainstInstalled_ExpectedOutcome(string version, string digest, ManifestVersionOutcome expected, string? matched)
    {
        var decision = ManifestVersionOrdering.Decide(s_installed, version, digest);

        Assert.Equal(expected, decision.Outcome);
        Assert.Equal(version, decision.CandidateVersion);
        Assert.Equal(matched, decision.InstalledVersion);
        Assert.Equal("1.1.0", decision.LatestInstalledVersion);
        Assert.Contains(version, decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_NothingInstalled_InstallNew()
    {
        var decision = ManifestVersionOrdering.Decide([], "0.1.0", D1);

        Assert.Equal(ManifestVersionOutcome.InstallNew, decision.Outcome);
        Assert.Null(decision.LatestInstalledVersion);
        Assert.Equal("Version 0.1.0 is the first installed version.", decision.Reason);
    }

    [Fact]
    public void Decide_SameVersionDifferentContent_ReasonSaysInstalledVersionsAreImmutable()
    {
        var decision = ManifestVersionOrdering.Decide(s_installed, "1.1.0", Other);

        Assert.Equal(
            "Version 1.1.0 is already installed with different content; an installed version cannot change, so give the new manifest a new version.",
            decision.Reason);
    }

    [Fact]
    public void Decide_SameVersionOtherBuildMetadata_ReasonNamesBothVersions()
    {
        var decision = ManifestVersionOrdering.Decide(s_installed, "1.1.0+build.2", Other);

        Assert.Contains("1.1.0+build.2 is the same version as the installed 1.1.0", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_OlderNewVersion_ReasonNamesLatest()
    {
        var decision = ManifestVersionOrdering.Decide(s_installed, "1.0.5", Other);

        Assert.Equal("Version 1.0.5 precedes the latest installed version 1.1.0; it is not an upgrade.", decision.Reason);
    }

    [Fact]
    public void Decide_Upgrade_ReasonNamesLatest()
    {
        var decision = ManifestVersionOrdering.Decide(s_installed, "1.2.0", Other);

        Assert.Equal("Version 1.2.0 upgrades the latest installed version 1.1.0.", decision.Reason);
    }
}
