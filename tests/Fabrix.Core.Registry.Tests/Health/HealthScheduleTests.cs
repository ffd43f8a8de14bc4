using Fabrix.Core.Registry.Health;

namespace Fabrix.Core.Registry.Tests.Health;

public sealed class HealthScheduleTests
{
    private static readonly DateTimeOffset Now = MonitorHarness.Start;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public void Spread_ManyPlugins_OneEvenSlotEachWithinOneInterval()
    {
        var due = new HealthSchedule(new Random(3)).Spread(Now, Enumerable.Repeat(Interval, 500).ToList());

        var offsets = due.Select(d => (d - Now).TotalMilliseconds).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 500).Select(i => i * 20.0), offsets);
    }

    [Fact]
    public void Spread_OnePlugin_IsDueAtOnce()
    {
        var due = new HealthSchedule(new Random(3)).Spread(Now, [Interval]);

        Assert.Equal(Now, Assert.Single(due));
    }

    [Fact]
    public void Next_WithJitter_StaysWithinTheJitterBandAndVaries()
    {
        var schedule = new HealthSchedule(new Random(5));

        var gaps = Enumerable.Range(0, 1000).Select(_ => (schedule.Next(Now, Now, Interval, 0.1) - Now).TotalSeconds).ToList();

        Assert.All(gaps, gap => Assert.InRange(gap, 9.0, 11.0));
        Assert.InRange(gaps.Average(), 9.9, 10.1);
        Assert.True(gaps.Distinct().Count() > 900);
    }

    [Fact]
    public void Next_WithoutJitter_IsOneIntervalAfterTheDueTime()
    {
        var due = Now - TimeSpan.FromSeconds(0.7);

        var next = new HealthSchedule(new Random(5)).Next(due, Now, Interval, 0);

        Assert.Equal(due + Interval, next);
    }

    [Fact]
    public void Next_FallenAWholeIntervalBehind_DropsTheMissedRound()
    {
        var due = Now - TimeSpan.FromSeconds(25);

        var next = new HealthSchedule(new Random(5)).Next(due, Now, Interval, 0);

        Assert.Equal(Now + Interval, next);
    }
}
