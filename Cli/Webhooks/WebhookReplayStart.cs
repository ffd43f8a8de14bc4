using System.Globalization;

namespace Fabrix.Cli.Webhooks;

/// <summary>
/// The <c>--since</c> of <c>fabrix webhooks replay</c>: an ISO 8601 time with its offset (<c>2026-12-06T08:00:00Z</c>,
/// <c>2026-12-06T09:00:00+01:00</c>), or a duration back from now, a whole number and a unit: <c>s</c>, <c>m</c>,
/// <c>h</c> or <c>d</c> (<c>90m</c>, <c>6h</c>, <c>2d</c>). A time without an offset is refused rather than guessed;
/// a time in the future too. How far back a replay may start is the events stream's retention, which the registry
/// (through Core.Events) checks.
/// </summary>
internal static class WebhookReplayStart
{
    private const string Forms = "an ISO 8601 time with its offset (2026-12-06T08:00:00Z) or a duration back from now (90m, 6h, 2d)";

    /// <summary>The start <paramref name="text"/> names at <paramref name="now"/>, or why it is not one.</summary>
    public static (DateTimeOffset Since, string? Problem) Parse(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (default, $"--since is required: {Forms}.");
        }

        text = text.Trim();
        if (text.Length >= 2 && char.IsAsciiDigit(text[0]) && "smhd".Contains(text[^1], StringComparison.Ordinal) && text[..^1].All(char.IsAsciiDigit))
        {
            if (!int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount > 100_000)
            {
                return (default, $"--since '{text}' is too far back.");
            }

            var back = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
            return (now - back, null);
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var since)
            || !char.IsAsciiDigit(text[0]))
        {
            return (default, $"--since '{text}' is not {Forms}.");
        }

        // DateTimeOffset.TryParse takes a time without an offset as local time: refuse it instead of guessing the zone.
        if (!HasOffset(text))
        {
            return (default, $"--since '{text}' has no offset: add Z (UTC) or +hh:mm.");
        }

        return since > now
            ? (default, string.Create(CultureInfo.InvariantCulture, $"--since {since:O} is in the future (now is {now:O})."))
            : (since, null);
    }

    private static bool HasOffset(string text)
    {
        var time = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        if (time < 0)
        {
            return false;
        }

        var tail = text[time..];
        return tail.EndsWith('Z') || tail.EndsWith('z') || tail.Contains('+', StringComparison.Ordinal) || tail.Contains('-', StringComparison.Ordinal);
    }
}
