using System.Collections.Concurrent;
using System.Diagnostics;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Core.Lanes.Tests.Policy;

/// <summary>The snapshot client against two real registry replicas on real PostgreSQL and NATS.</summary>
public sealed class PolicySnapshotClientRegistryTests(LaneRegistry registry, ITestOutputHelper output) : IClassFixture<LaneRegistry>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Client_DisableThroughReplicaA_VisibleAtClientWatchingReplicaB()
    {
        var id = $"lane-{Guid.NewGuid():N}"[..16];
        await registry.InstallActiveAsync(id);
        using var client = PolicyMessages.Client(LaneRegistry.PolicyClient(registry.B, registry.TokenSource()), TimeProvider.System);
        await client.StartAsync(Ct);
        await Eventually.WaitAsync(() => client.Current.Snapshot?.Find(id)?.IsActive == true, "the active plugin in the first snapshot", Ct);

        await registry.DisableAsync(registry.A, id);
        var committed = Stopwatch.GetTimestamp();
        await Eventually.WaitAsync(() => client.Current.Snapshot?.Find(id)?.Status == PluginStatus.Disabled, "the disable at the client", Ct);
        output.WriteLine($"disable committed on replica A -> visible at a client of replica B: {Stopwatch.GetElapsedTime(committed).TotalMilliseconds:F1} ms");

        Assert.True(client.Current.IsUsable);
        await client.StopAsync(Ct);
    }

    [Fact]
    public async Task Client_StreamBreaks_KeepsDecidingFromLastSnapshotThenFailsClosedOnceStale()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var replica = registry.Start();
        using var client = PolicyMessages.Client(LaneRegistry.PolicyClient(replica, registry.TokenSource()), time, TimeSpan.FromSeconds(30));
        await client.StartAsync(Ct);
        await Eventually.WaitAsync(() => client.Current.IsUsable, "the first snapshot", Ct);
        var held = client.Current.Snapshot;

        await replica.DisposeAsync();
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(client.Current.IsUsable);
        Assert.Same(held, client.Current.Snapshot);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(client.Current.IsUsable);
        Assert.Same(held, client.Current.Snapshot);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, await PolicyMessages.HealthAsync(client));
        await client.StopAsync(Ct);
    }

    [Fact]
    public async Task Client_StreamBreaks_ReconnectsResumingFromItsRevision()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var requests = new RecordingInterceptor();
        BreakableHandler? breakable = null;
        var policy = LaneRegistry.PolicyClient(registry.B, registry.TokenSource(), inner => breakable = new BreakableHandler(inner), requests);
        using var client = PolicyMessages.Client(policy, time);
        await client.StartAsync(Ct);
        await Eventually.WaitAsync(() => client.Current.IsUsable, "the first snapshot", Ct);
        var revision = client.Current.Snapshot!.Revision;

        breakable!.Break();
        await Eventually.WaitAsync(() => !client.IsStreaming, "the break noticed", Ct);
        var id = $"resume-{Guid.NewGuid():N}"[..16];
        await registry.InstallActiveAsync(id);
        await Eventually.UntilAsync(() => Task.FromResult(requests.FromRevisions.Count == 2), TimeSpan.FromSeconds(15), "the reconnect", Ct,
            nudge: () => time.Advance(TimeSpan.FromMilliseconds(200)));
        await Eventually.WaitAsync(() => client.Current.Snapshot?.Find(id) is not null, "the change made while disconnected", Ct);

        Assert.Equal([0L, revision], requests.FromRevisions);
        await client.StopAsync(Ct);
    }

    /// <summary>Records the revision each WatchPolicy call resumes from.</summary>
    private sealed class RecordingInterceptor : Interceptor
    {
        private readonly ConcurrentQueue<long> _fromRevisions = new();

        public IReadOnlyList<long> FromRevisions => [.. _fromRevisions];

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
        {
            if (request is WatchPolicyRequest watch)
            {
                _fromRevisions.Enqueue(watch.FromRevision);
            }

            return continuation(request, context);
        }
    }

    /// <summary>Cuts every call in flight when told, as a dropped connection would.</summary>
    private sealed class BreakableHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private CancellationTokenSource _current = new();

        public void Break()
        {
            var broken = Interlocked.Exchange(ref _current, new CancellationTokenSource());
            broken.Cancel();
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Volatile.Read(ref _current).Token);
            return base.SendAsync(request, linked.Token);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _current.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
