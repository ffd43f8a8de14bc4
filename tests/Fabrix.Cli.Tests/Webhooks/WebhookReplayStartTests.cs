using Fabrix.Cli.Webhooks;

namespace Fabrix.Cli.Tests.Webhooks;

/// <summary>The <c>--since</c> forms of <c>fabrix webhooks replay</c>: an ISO 8601 time with its offset, or a duration back from now.</summary>
public sealed class WebhookReplayStartTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90s", "2026-12-06T08:58:30+00:00")]
    [InlineData("90m", "2026-12-06T07:30:00+00:00")]
    [InlineData("6h", "2026-12-06T03:00:00+00:00")]
    [InlineData("2d", "2026-12-04T09:00:00+00:00")]
    [InlineData("2026-12-06T08:00:00Z", "2026-12-06T08:00:00+00:00")]
    [InlineData("2026-12-06T08:00:00+01:00", "2026-12-06T07:00:00+00:00")]
    [InlineData(" 2026-12-06T03:00:00-05:00 ", "2026-12-06T08:00:00+00:00")]
    public void Parse_ValidForm_TheStart(string text, string expected)
    {
        var (since, problem) = WebhookReplayStart.Parse(text, s_now);

        Assert.Null(problem);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), since);
    }

    [Theory]
    [InlineData(null, "--since is required")]
    [InlineData("", "--since is required")]
    [InlineData("yesterday", "is not an ISO 8601 time")]
    [InlineData("2h30m", "is not an ISO 8601 time")]
    [InlineData("-2h", "is not an ISO 8601 time")]
    [InlineData("h", "is not an ISO 8601 time")]
    [InlineData("99999999d", "is too far back")]
    [InlineData("2026-12-06", "has no offset")]
    [InlineData("2026-12-06T08:00:00", "has no offset")]
    [InlineData("2026-12-06T10:00:00Z", "is in the future")]
    public void Parse_BadForm_ProblemSaysWhy(string? text, string expected)
    {
        var (_, problem) = WebhookReplayStart.Parse(text, s_now);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
