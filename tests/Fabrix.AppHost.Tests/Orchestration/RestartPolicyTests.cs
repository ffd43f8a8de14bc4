using Fabrix.AppHost.Orchestration;

namespace Fabrix.AppHost.Tests.Orchestration;

/// <summary>Issue 7 section 6: a child that exits on its own is restarted with back-off.</summary>
public sealed class RestartPolicyTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(40, 30)]
    [InlineData(int.MaxValue, 30)]
    public void DelayBefore_ConsecutiveRestart_DoublesUpToTheCap(int restart, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), RestartPolicy.Default.DelayBefore(restart));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void DelayBefore_RestartBelowOne_IsRefused(int restart) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RestartPolicy.Default.DelayBefore(restart));

    [Fact]
    public void DelayBefore_CapBelowTheInitialDelay_IsTheInitialDelay()
    {
        var policy = new RestartPolicy(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));

        Assert.Equal(TimeSpan.FromSeconds(5), policy.DelayBefore(3));
    }

    [Fact]
    public void Default_ResetsAfterAMinuteUp() =>
        Assert.Equal(TimeSpan.FromSeconds(60), RestartPolicy.Default.ResetAfter);
}
