using Fabrix.Core.Registry.BackgroundWork;
using Fabrix.Core.Registry.Health;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Core.Registry.Tests.Health;

public sealed class HealthHistoryRetentionTests
{
    [Fact]
    public async Task Prune_RetentionOfSevenDays_DeletesOnlyOlderHistory()
    {
        var time = new FakeTimeProvider(MonitorHarness.Start);
        var options = Options.Create(new HealthOptions());
        var store = new InMemoryHealthStore([InMemoryHealthStore.HttpTarget("kept")]);
        foreach (var age in new[] { 8, 7.5, 6.9, 1 })
        {
            var at = MonitorHarness.Start - TimeSpan.FromDays(age);
            await store.RecordAsync(
                new HealthObservation(new HealthSample("kept", at, HealthSampleSource.Http, true, null, "HTTP 200", HealthProbeResult.NoMetrics), HealthStatus.Unknown, null),
                TestContext.Current.CancellationToken);
        }

        using var retention = new HealthHistoryRetention(store, options, time, new BackgroundWorkHealth(time), NullLogger<HealthHistoryRetention>.Instance);

        var pruned = await retention.PruneAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, pruned);
        Assert.Equal(MonitorHarness.Start - TimeSpan.FromDays(7), store.PrunedBefore);
        Assert.Equal(2, store.Observations.Count);
    }
}
