using System.Threading.Channels;
using Fabrix.Core.Registry.BackgroundWork;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Core.Registry.Tests.BackgroundWork;

/// <summary>The periodic-work base on a fake clock: the schedule, a failed iteration, and what health reports.</summary>
public sealed class PeriodicWorkTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 4, 1, 6, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(10);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly BackgroundWorkHealth _health;
    private readonly FakeLogger _logger = new();
    private readonly ScriptedWork _work;

    public PeriodicWorkTests()
    {
        _health = new BackgroundWorkHealth(_time);
        _work = new ScriptedWork(_time, _health, _logger);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Run_PeriodsPassOnTheClock_RunsAtStartAndOncePerPeriod()
    {
        await _work.StartAsync(Ct);
        var first = await _work.NextIterationAsync();
        _time.Advance(Period / 2);
        _time.Advance(Period / 2);
        var second = await _work.NextIterationAsync();
        _time.Advance(Period);
        var third = await _work.NextIterationAsync();
        await _work.StopAsync(Ct);

        Assert.Equal([Start, Start + Period, Start + (2 * Period)], [first, second, third]);
        Assert.Equal(3, _work.Iterations);
    }

    [Fact]
    public async Task Run_IterationFails_IsLoggedAndTheNextRunsOnSchedule()
    {
        _work.FailNext(new InvalidOperationException("database unreachable"));

        await _work.StartAsync(Ct);
        await _work.NextIterationAsync();
        _time.Advance(Period);
        var next = await _work.NextIterationAsync();
        await _work.StopAsync(Ct);

        var failure = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
        Assert.Equal((1800, LogLevel.Error, "scripted"), (failure.Id.Id, failure.Level, failure.StructuredState!.Single(p => p.Key == "Work").Value));
        Assert.Equal("database unreachable", failure.Exception!.Message);
        Assert.Equal(Start + Period, next);
    }

    [Fact]
    public async Task Health_IterationFails_DegradedNamingTheWorkWithTheFailure()
    {
        _work.FailNext(new InvalidOperationException("database unreachable"));

        await _work.StartAsync(Ct);
        await _work.NextIterationAsync();
        await Fabrix.Testing.Eventually.WaitAsync(() => _health.Status("scripted") is not null, "the failed iteration is recorded", Ct);
        var result = await _health.CheckHealthAsync(new HealthCheckContext(), Ct);
        await _work.StopAsync(Ct);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("failing: scripted", result.Description);
        Assert.Equal($"{Start:O}: InvalidOperationException: database unreachable", result.Data["scripted.last_failure"]);
        Assert.Equal("never", result.Data["scripted.last_success"]);
    }

    [Fact]
    public async Task Health_FailureThenSuccess_HealthyKeepingTheLastFailure()
    {
        _work.FailNext(new InvalidOperationException("database unreachable"));

        await _work.StartAsync(Ct);
        await _work.NextIterationAsync();
        await Fabrix.Testing.Eventually.WaitAsync(() => _health.Status("scripted") is { Failing: true }, "the failed iteration is recorded", Ct);
        _time.Advance(Period);
        await _work.NextIterationAsync();
        await Fabrix.Testing.Eventually.WaitAsync(() => _health.Status("scripted") is { Failing: false }, "the successful iteration is recorded", Ct);
        var result = await _health.CheckHealthAsync(new HealthCheckContext(), Ct);
        await _work.StopAsync(Ct);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal((Start + Period).ToString("O"), result.Data["scripted.last_success"]);
        Assert.Equal($"{Start:O}: InvalidOperationException: database unreachable", result.Data["scripted.last_failure"]);
    }

    [Fact]
    public async Task Stop_DuringAnIteration_NeitherLoggedNorRecordedAsAFailure()
    {
        _work.BlockNext();

        await _work.StartAsync(Ct);
        await _work.NextIterationAsync();
        await _work.StopAsync(Ct);

        Assert.DoesNotContain(_logger.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
        Assert.Null(_health.Status("scripted"));
    }

    /// <summary>
    /// Reports each iteration's clock reading as it begins; the next iteration can be told to throw, or to wait until
    /// the service stops.
    /// </summary>
    private sealed class ScriptedWork(TimeProvider time, BackgroundWorkHealth health, ILogger logger)
        : PeriodicWork("scripted", time, health, logger)
    {
        private readonly Channel<DateTimeOffset> _began = Channel.CreateUnbounded<DateTimeOffset>();
        private Exception? _failNext;
        private bool _blockNext;
        private int _iterations;

        public int Iterations => Volatile.Read(ref _iterations);

        protected override TimeSpan Period => PeriodicWorkTests.Period;

        public void FailNext(Exception exception) => _failNext = exception;

        public void BlockNext() => _blockNext = true;

        /// <summary>The clock reading at which the next iteration began (bounded only so a hang fails the test).</summary>
        public async Task<DateTimeOffset> NextIterationAsync() =>
            await _began.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(15), Ct);

        protected override async Task RunOnceAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _iterations);
            var failure = Interlocked.Exchange(ref _failNext, null);
            var block = _blockNext;
            _blockNext = false;
            _began.Writer.TryWrite(Clock.GetUtcNow());
            if (failure is not null)
            {
                throw failure;
            }

            if (block)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }
        }
    }
}
