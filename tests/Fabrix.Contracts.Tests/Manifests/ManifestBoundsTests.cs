using System.Text.Json;
using Fabrix.Contracts.Manifests;
using static Fabrix.Contracts.Tests.Manifests.ManifestFixtures;

namespace Fabrix.Contracts.Tests.Manifests;

/// <summary>Issue 7 sections 3 and 4: bounds that keep validation cheap and what it reports bounded.</summary>
public sealed class ManifestBoundsTests
{
    [Fact]
    public void Validate_HundredThousandTraitsAlreadyParsed_OneCountErrorAtTraits()
    {
        var json = Edit(Echo, ("traits", "[" + string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"\"t{i}\"")) + "]"));
        using var document = JsonDocument.Parse(json);

        var result = ManifestValidator.Validate(document.RootElement);

        var error = Assert.Single(result.Errors);
        Assert.Equal("$.traits", error.Path);
        Assert.Contains("100,000 traits", error.Message, StringComparison.Ordinal);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Validate_HundredThousandTraitsAsText_RefusedBySizeAtRoot()
    {
        var json = Edit(Echo, ("traits", "[" + string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"\"t{i}\"")) + "]"));

        var result = ManifestValidator.Validate(json);

        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.Contains("65,536 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SizeProblem_TextLongerThanBound_RefusedWithoutCounting()
    {
        var problem = ManifestValidator.SizeProblem(new string('{', ManifestBounds.MaxManifestBytes + 1));

        Assert.NotNull(problem);
        Assert.Contains("larger than 65,536 bytes", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SizeProblem_FourByteCharactersOverBound_CountsUtf8Bytes()
    {
        var text = string.Concat(Enumerable.Repeat("\U0001F680", (ManifestBounds.MaxManifestBytes / 4) + 1));

        Assert.Contains($"{(ManifestBounds.MaxManifestBytes + 4):N0} bytes of UTF-8", ManifestValidator.SizeProblem(text), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ThousandsOfBadItemsInUnknownProperties_FindingsCapped()
    {
        var json = Edit(Echo, ("x_noise", "[" + string.Join(",", Enumerable.Range(0, 1000).Select(_ => "\"\\u0000\"")) + "]"));

        var result = ManifestValidator.Validate(json);

        Assert.Equal(ManifestBounds.MaxIssues + 1, result.Errors.Count);
        Assert.Equal("$", result.Errors[^1].Path);
        Assert.Contains("900 more error(s) not shown", result.Errors[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_IdWithNul_MessageDoesNotEchoTheValue()
    {
        var result = ManifestValidator.Validate(Edit(Echo, ("id", "\"ec\\u0000ho\"")));

        var error = Assert.Single(result.Errors);
        Assert.Equal("$.id", error.Path);
        Assert.DoesNotContain('\0', error.Message);
        Assert.Contains("U+0000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MegabyteIdAlreadyParsed_MessageIsShort()
    {
        using var document = JsonDocument.Parse(Edit(Echo, ("id", Quote(new string('a', 1_000_000)))));

        var error = Assert.Single(ManifestValidator.Validate(document.RootElement).Errors);

        Assert.Equal("$.id", error.Path);
        Assert.True(error.Message.Length < 200, error.Message);
    }

    [Fact]
    public void Validate_RightToLeftOverrideInName_MessageNamesTheCodePoint()
    {
        var result = ManifestValidator.Validate(Edit(Echo, ("name", Quote("User Management \u202Enimda"))));

        var error = Assert.Single(result.Errors);
        Assert.Equal("$.name", error.Path);
        Assert.Contains("bidirectional control character U+202E", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user-management", true)]
    [InlineData("", false)]
    [InlineData("user\0management", false)]
    [InlineData("user-management\n", false)]
    [InlineData("User-Management", false)]
    public void PluginIds_IsValid_AppliesTheManifestRule(string id, bool valid)
    {
        Assert.Equal(valid, PluginIds.IsValid(id));
    }

    [Fact]
    public void PluginIds_Problem_OverLongIdNotEchoed()
    {
        var problem = PluginIds.Problem(new string('a', 3000));

        Assert.Equal("must be at most 64 characters long, but has 3000.", problem);
    }
}
