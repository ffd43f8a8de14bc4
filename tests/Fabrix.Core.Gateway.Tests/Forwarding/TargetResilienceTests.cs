using Fabrix.Core.Gateway.Forwarding;
using Fabrix.Core.Gateway.Limits;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Forwarder;

namespace Fabrix.Core.Gateway.Tests.Forwarding;

/// <summary>
/// The per-target Polly pipeline (issue 10 section 4) on its own: which failures are retried, and the circuit breaker's
/// break on a <see cref="FakeTimeProvider"/>. The forwarder is stood in for by a callback that reports YARP's outcome
/// the way YARP does (its result and <see cref="IForwarderErrorFeature"/>); the end-to-end behaviour on a real Kestrel
/// target is in <c>Limits/GatewayLimitsTests</c>.
/// </summary>
public sealed class TargetResilienceTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    [InlineData("OPTIONS")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task SendAsync_IdempotentCallWithoutBodyWhoseConnectionFails_RetriedAndCounted(string method)
    {
        using var retries = new MetricCollector<long>(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), GatewayTelemetry.Name, "fabrix.gateway.retries");
        var resilience = Resilience(TimeProvider.System, maxRetries: 2);
        var attempts = new Attempts();

        var (error, _) = await resilience.SendAsync("t-retry", Call(method), attempts, Fail(HttpRequestError.ConnectionError));

        Assert.Equal((ForwarderError.Request, 3), (error, attempts.Count));
        Assert.Equal(2, retries.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task SendAsync_PostWhoseConnectionFails_NotRetried()
    {
        var attempts = new Attempts();

        await Resilience(TimeProvider.System, maxRetries: 2).SendAsync("t-post", Call("POST"), attempts, Fail(HttpRequestError.ConnectionError));

        Assert.Equal(1, attempts.Count);
    }

    [Fact]
    public async Task SendAsync_GetWithABody_NotRetried()
    {
        var attempts = new Attempts();

        await Resilience(TimeProvider.System, maxRetries: 2).SendAsync("t-body", Call("GET", contentLength: 10), attempts, Fail(HttpRequestError.ConnectionError));

        Assert.Equal(1, attempts.Count);
    }

    [Fact]
    public async Task SendAsync_GetFailingAfterTheRequestWasSent_NotRetried()
    {
        var attempts = new Attempts();

        await Resilience(TimeProvider.System, maxRetries: 2).SendAsync("t-sent", Call("GET"), attempts, Fail(HttpRequestError.ResponseEnded));

        Assert.Equal(1, attempts.Count);
    }

    [Fact]
    public async Task SendAsync_RetryThatSucceeds_LeavesNoErrorBehind()
    {
        var attempts = new Attempts();
        var http = Call("GET");

        var (error, _) = await Resilience(TimeProvider.System, maxRetries: 2).SendAsync("t-recover", http, attempts, (context, counter) =>
            counter.Count++ == 0 ? Fail(HttpRequestError.ConnectionError)(context, new Attempts()) : ValueTask.FromResult(ForwarderError.None));

        Assert.Equal((ForwarderError.None, 2, StatusCodes.Status200OK), (error, attempts.Count, http.Response.StatusCode));
        Assert.Null(http.Features.Get<IForwarderErrorFeature>());
    }

    [Fact]
    public async Task SendAsync_TargetFailingRepeatedly_CircuitOpensWithoutCallingThenLetsATrialThroughAfterTheBreak()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var resilience = Resilience(time, maxRetries: 0);
        var attempts = new Attempts();
        for (var i = 0; i < 3; i++)
        {
            await resilience.SendAsync("t-breaker", Call("GET"), attempts, Fail(HttpRequestError.ResponseEnded));
        }

        var (open, retryAfter) = await resilience.SendAsync("t-breaker", Call("GET"), attempts, Fail(HttpRequestError.ResponseEnded));
        var (otherTarget, _) = await resilience.SendAsync("t-other", Call("GET"), new Attempts(), static (_, _) => ValueTask.FromResult(ForwarderError.None));
        time.Advance(TimeSpan.FromSeconds(30));
        var (trial, _) = await resilience.SendAsync("t-breaker", Call("GET"), attempts, static (_, counter) =>
        {
            counter.Count++;
            return ValueTask.FromResult(ForwarderError.None);
        });

        Assert.Null(open);
        Assert.Equal(TimeSpan.FromSeconds(30), retryAfter);
        Assert.Equal(ForwarderError.None, otherTarget);
        Assert.Equal(ForwarderError.None, trial);
        Assert.Equal(4, attempts.Count);
    }

    private TargetResilience Resilience(TimeProvider time, int maxRetries) => new(Options.Create(new GatewayLimitsOptions
    {
        Resilience = new TargetResilienceOptions
        {
            MaxRetries = maxRetries,
            RetryDelay = TimeSpan.Zero,
            MinimumThroughput = 3,
            FailureRatio = 0.5,
            SamplingDuration = TimeSpan.FromMinutes(1),
            BreakDuration = TimeSpan.FromSeconds(30),
        },
    }), time, new GatewayTelemetry(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));

    private static DefaultHttpContext Call(string method, long? contentLength = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.ContentLength = contentLength;
        return context;
    }

    /// <summary>A forward that fails as YARP reports a request failure: 502, <see cref="ForwarderError.Request"/> and the exception in the error feature.</summary>
    private static Func<HttpContext, Attempts, ValueTask<ForwarderError>> Fail(HttpRequestError kind) => (context, attempts) =>
    {
        attempts.Count++;
        context.Response.StatusCode = StatusCodes.Status502BadGateway;
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(ForwarderError.Request, new HttpRequestException(kind, "the target failed")));
        return ValueTask.FromResult(ForwarderError.Request);
    };

    private sealed class Attempts
    {
        public int Count { get; set; }
    }

    private sealed class ErrorFeature(ForwarderError error, Exception exception) : IForwarderErrorFeature
    {
        public ForwarderError Error => error;

        public Exception? Exception => exception;
    }
}
