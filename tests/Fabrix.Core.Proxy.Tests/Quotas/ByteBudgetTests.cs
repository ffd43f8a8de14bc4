using Fabrix.Core.Proxy.Quotas;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Core.Proxy.Tests.Quotas;

/// <summary>The bandwidth budget on a fake clock: one second's worth up front, debt after a large charge, paid back at the rate.</summary>
public sealed class ByteBudgetTests
{
    [Fact]
    public void Charge_WithinOneSecondsWorth_NoDebt()
    {
        var budget = new ByteBudget(1000, new FakeTimeProvider());

        budget.Charge(1000);

        Assert.Equal(TimeSpan.Zero, budget.Debt());
    }

    [Fact]
    public void Charge_OverTheBudget_DebtIsTheExcessOverTheRate()
    {
        var budget = new ByteBudget(1000, new FakeTimeProvider());

        budget.Charge(3000);

        Assert.Equal(TimeSpan.FromSeconds(2), budget.Debt());
    }

    [Fact]
    public void Debt_TimePasses_PaidBackAtTheRate()
    {
        var time = new FakeTimeProvider();
        var budget = new ByteBudget(1000, time);
        budget.Charge(3000);

        time.Advance(TimeSpan.FromSeconds(1.5));

        Assert.Equal(TimeSpan.FromSeconds(0.5), budget.Debt());
    }

    [Fact]
    public void Refill_LongIdle_CappedAtOneSecondsWorth()
    {
        var time = new FakeTimeProvider();
        var budget = new ByteBudget(1000, time);
        time.Advance(TimeSpan.FromHours(1));

        budget.Charge(2000);

        Assert.Equal(TimeSpan.FromSeconds(1), budget.Debt());
    }

    [Fact]
    public async Task WaitAsync_InDebt_CompletesOnlyOnceTheDebtIsPaid()
    {
        var time = new FakeTimeProvider();
        var budget = new ByteBudget(1000, time);
        budget.Charge(2000);

        var wait = budget.WaitAsync(TestContext.Current.CancellationToken).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(500));
        var earlier = wait.IsCompleted;
        time.Advance(TimeSpan.FromMilliseconds(500));
        await wait;

        Assert.False(earlier);
        Assert.Equal(TimeSpan.Zero, budget.Debt());
    }
}
