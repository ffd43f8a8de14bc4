using Fabrix.Contracts.Platform;

namespace Fabrix.Contracts.Tests.Platform;

public sealed class PlatformRangeTests
{
    public static TheoryData<string> ValidRanges =>
    [
        ">=1.0.0 <2.0.0", "^1.2", "~1.4.0", "1.x", "*", "1.0.0 - 1.9.0", "^1.0.0 || ^2.0.0", ">=2.0.0-beta.1", "=1.0.0", "v1", "1.0.0+build.7",
    ];

    public static TheoryData<string, string> InvalidRanges => new()
    {
        { "", "must not be empty" },
        { "  ", "must not be empty" },
        { ">=1.0.0" + new string(' ', PlatformRange.MaxLength - 6), "at most 1024 characters" },
        { "latest", "npm syntax" },
        { ">=1.0.0 <", "npm syntax" },
        { "1.0.0.0", "npm syntax" },
        { ">=01.0.0", "npm syntax" },
        { "^1.2 ||", "empty alternative" },
        { "|| ^1.2", "empty alternative" },
        { "^1.0.0 || || ^2.0.0", "empty alternative" },
        { ">2.0.0 <1.0.0", "matches no Fabrix version" },
        { "1 2", "matches no Fabrix version" },
        { ">1.0.0 <1.0.1", "matches no Fabrix version" },
    };

    [Theory]
    [MemberData(nameof(ValidRanges))]
    public void TryParse_NpmRange_Parses(string text)
    {
        var ok = PlatformRange.TryParse(text, out var range, out var problem);

        Assert.True(ok, problem);
        Assert.NotNull(range);
        Assert.Null(problem);
    }

    [Theory]
    [MemberData(nameof(InvalidRanges))]
    public void TryParse_BadRange_FailsWithReason(string text, string expectedProblem)
    {
        var ok = PlatformRange.TryParse(text, out var range, out var problem);

        Assert.False(ok);
        Assert.Null(range);
        Assert.Contains(expectedProblem, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ExactlyMaxLength_Parses()
    {
        var text = ">=1.0.0" + new string(' ', PlatformRange.MaxLength - 7);

        Assert.Equal(PlatformRange.MaxLength, text.Length);
        Assert.True(PlatformRange.TryParse(text, out _, out _));
    }
}
