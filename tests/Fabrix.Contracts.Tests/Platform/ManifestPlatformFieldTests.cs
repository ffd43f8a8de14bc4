using Fabrix.Contracts.Manifests;
using static Fabrix.Contracts.Tests.Manifests.ManifestFixtures;

namespace Fabrix.Contracts.Tests.Platform;

/// <summary>The manifest's <c>platform</c> field as the validator reads it (the rule table has the both-ways rows).</summary>
public sealed class ManifestPlatformFieldTests
{
    [Fact]
    public void Validate_PlatformDeclared_TypedManifestCarriesItVerbatimWithoutWarning()
    {
        var result = ManifestValidator.Validate(Edit(Echo, ("traits", "[\"audit_required\"]"), ("compliance", "{\"audit_level\":\"basic\"}"), ("platform", "\">=1.0.0 <2.0.0\"")));

        Assert.True(result.IsValid);
        Assert.Equal(">=1.0.0 <2.0.0", result.Manifest!.Platform);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Validate_PlatformAbsent_TypedManifestHasNoRange()
    {
        var result = ManifestValidator.Validate(Text(Echo));

        Assert.Null(result.Manifest!.Platform);
    }

    [Theory]
    [InlineData("\"latest\"", "The platform range 'latest' is not a version range in npm syntax")]
    [InlineData("\">2.0.0 <1.0.0\"", "The platform range '>2.0.0 <1.0.0' matches no Fabrix version at all.")]
    [InlineData("\"\"", "The platform range '' must not be empty")]
    [InlineData("2", "The platform must be a string holding a range of Fabrix versions")]
    [InlineData("[\"^1.0.0\"]", "but it is an array.")]
    public void Validate_BadPlatform_OneClearErrorAtPlatformPath(string json, string expectedMessage)
    {
        var result = ManifestValidator.Validate(Edit(Echo, ("platform", json)));

        var error = Assert.Single(result.Errors);
        Assert.Equal("$.platform", error.Path);
        Assert.Contains(expectedMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Digest_PlatformChanged_DigestChanges()
    {
        var one = ManifestDigest.Compute(Edit(Echo, ("platform", "\"^1.0.0\"")));
        var two = ManifestDigest.Compute(Edit(Echo, ("platform", "\"^2.0.0\"")));

        Assert.NotEqual(one, two);
    }
}
