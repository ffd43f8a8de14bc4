using System.Net.Http.Headers;
using Fabrix.Core.Events.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Core.Events.Tests.Webhooks;

/// <summary>The retry rules of issue 11 section 4 (Svix's schedule, jitter, 2xx only, 410, Retry-After), as a pure table.</summary>
public sealed class WebhookScheduleTests
{
    private static readonly WebhookDeliveryOptions Defaults = new();

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 5 * 60)]
    [InlineData(3, 30 * 60)]
    [InlineData(4, 2 * 3600)]
    [InlineData(5, 5 * 3600)]
    [InlineData(6, 10 * 3600)]
    [InlineData(7, 10 * 3600)]
    public void After_FailedAttempt_NextWaitIsSvixScheduleWithinJitter(int attempt, int seconds)
    {
        var middle = WebhookSchedule.After(attempt, 500, null, Defaults, random: 0.5);
        var lowest = WebhookSchedule.After(attempt, 500, null, Defaults, random: 0);
        var highest = WebhookSchedule.After(attempt, 500, null, Defaults, random: 0.999999);

        Assert.Equal((WebhookNext.Retry, TimeSpan.FromSeconds(seconds)), (middle.Next, middle.Delay));
        Assert.Equal(TimeSpan.FromSeconds(seconds * 0.9), lowest.Delay);
        Assert.InRange(highest.Delay, TimeSpan.FromSeconds(seconds * 1.0999), TimeSpan.FromSeconds(seconds * 1.1));
    }

    [Fact]
    public void DefaultSchedule_EightAttempts_FirstImmediate()
    {
        Assert.Equal(8, WebhookDeliveryOptions.DefaultSchedule.Count);
        Assert.Equal(TimeSpan.Zero, WebhookDeliveryOptions.DefaultSchedule[0]);
    }

    [Fact]
    public void After_EighthAttemptFails_GiveUp() =>
        Assert.Equal(WebhookNext.GiveUp, WebhookSchedule.After(8, 500, null, Defaults, 0.5).Next);

    [Theory]
    [InlineData(200)]
    [InlineData(202)]
    [InlineData(204)]
    [InlineData(299)]
    public void After_2xx_Delivered(int status) => Assert.Equal(WebhookNext.Delivered, WebhookSchedule.After(1, status, null, Defaults, 0.5).Next);

    [Theory]
    [InlineData(0)]
    [InlineData(301)]
    [InlineData(304)]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(500)]
    public void After_Not2xx_Retry(int status) => Assert.Equal(WebhookNext.Retry, WebhookSchedule.After(1, status, null, Defaults, 0.5).Next);

    [Fact]
    public void After_410Gone_Disable() => Assert.Equal(WebhookNext.Disable, WebhookSchedule.After(1, 410, null, Defaults, 0.5).Next);

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public void After_RetryAfterLongerThanSchedule_WaitsRetryAfter(int status) =>
        Assert.Equal(TimeSpan.FromMinutes(2), WebhookSchedule.After(1, status, TimeSpan.FromMinutes(2), Defaults, 0.5).Delay);

    [Fact]
    public void After_RetryAfterShorterThanSchedule_KeepsSchedule() =>
        Assert.Equal(TimeSpan.FromMinutes(5), WebhookSchedule.After(2, 503, TimeSpan.FromSeconds(1), Defaults, 0.5).Delay);

    [Fact]
    public void After_RetryAfterOn500_Ignored() =>
        Assert.Equal(TimeSpan.FromSeconds(5), WebhookSchedule.After(1, 500, TimeSpan.FromHours(1), Defaults, 0.5).Delay);

    [Fact]
    public void After_RetryAfterBeyondBound_WaitsTheBound() =>
        Assert.Equal(Defaults.MaxRetryAfter, WebhookSchedule.After(1, 429, TimeSpan.FromDays(3), Defaults, 0.5).Delay);

    [Fact]
    public void RetryAfter_HttpDate_RelativeToTheClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 5, 0, 0, TimeSpan.Zero));
        var header = new RetryConditionHeaderValue(clock.GetUtcNow().AddSeconds(90));

        var wait = WebhookSchedule.RetryAfter(header, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMinutes(5));
        var late = WebhookSchedule.RetryAfter(header, clock.GetUtcNow());

        Assert.Equal(TimeSpan.FromSeconds(90), wait);
        Assert.Equal(TimeSpan.Zero, late);
    }

    [Fact]
    public void RetryAfter_DeltaSeconds_ThatLong() =>
        Assert.Equal(TimeSpan.FromSeconds(120), WebhookSchedule.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromSeconds(120)), DateTimeOffset.UnixEpoch));
}
