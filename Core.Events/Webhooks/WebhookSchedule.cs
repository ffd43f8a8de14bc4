namespace Fabrix.Core.Events.Webhooks;

/// <summary>What to do after an attempt.</summary>
internal enum WebhookNext
{
    /// <summary>2xx: done.</summary>
    Delivered,

    /// <summary>Try again after <see cref="WebhookStep.Delay"/>.</summary>
    Retry,

    /// <summary>The last attempt of the schedule failed: give the event up for this endpoint.</summary>
    GiveUp,

    /// <summary>410 Gone: the receiver says the endpoint no longer exists; disable it.</summary>
    Disable,
}

/// <summary>The decision after one attempt.</summary>
internal readonly record struct WebhookStep(WebhookNext Next, TimeSpan Delay);

/// <summary>
/// The retry rules of issue 11 section 4, a pure function of the attempt's result: only 2xx is success; 410 Gone
/// disables; otherwise the next wait is the schedule's entry for the next attempt (with jitter), and for a 429 or 503 at
/// least the <c>Retry-After</c> the receiver asked for (bounded by <see cref="WebhookDeliveryOptions.MaxRetryAfter"/>).
/// </summary>
internal static class WebhookSchedule
{
    /// <summary>What follows <paramref name="attempt"/> (1-based) that ended with <paramref name="status"/> (0 without a response) and the receiver's <paramref name="retryAfter"/>; <paramref name="random"/> in [0, 1) draws the jitter.</summary>
    public static WebhookStep After(int attempt, int status, TimeSpan? retryAfter, WebhookDeliveryOptions options, double random)
    {
        if (status is >= 200 and <= 299)
        {
            return new WebhookStep(WebhookNext.Delivered, TimeSpan.Zero);
        }

        if (status == 410)
        {
            return new WebhookStep(WebhookNext.Disable, TimeSpan.Zero);
        }

        var schedule = options.Attempts();
        if (attempt >= schedule.Count)
        {
            return new WebhookStep(WebhookNext.GiveUp, TimeSpan.Zero);
        }

        var factor = 1 + (options.Jitter * ((2 * random) - 1));
        var delay = TimeSpan.FromTicks((long)(schedule[attempt].Ticks * factor));
        if (status is 429 or 503 && retryAfter is { } asked && asked > delay)
        {
            delay = asked < options.MaxRetryAfter ? asked : options.MaxRetryAfter;
        }

        return new WebhookStep(WebhookNext.Retry, delay);
    }

    /// <summary>A <c>Retry-After</c> header: delta seconds, or an HTTP date relative to <paramref name="now"/>; null when absent or unreadable.</summary>
    public static TimeSpan? RetryAfter(System.Net.Http.Headers.RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };
}
