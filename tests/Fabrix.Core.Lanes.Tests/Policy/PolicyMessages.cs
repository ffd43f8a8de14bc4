using Fabrix.Contracts.Policy.V1;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Lanes.Policy;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Tests.Policy;

/// <summary>Builders of WatchPolicy messages, and a client that is fed them directly (no stream).</summary>
internal static class PolicyMessages
{
    public static PolicyPlugin Plugin(string id, PluginStatus status = PluginStatus.Active, string digest = "d1") => new()
    {
        Id = id,
        Status = status,
        Health = HealthState.Healthy,
        ManifestDigest = digest,
        Version = "1.0.0",
        Traits = { "handles_pii" },
        DataClassifications = { "pii" },
        Endpoints = { ["health"] = "/health" },
        Address = "http://127.0.0.1:5300",
        Limits = new PluginLimits { MemoryLimitMb = 256 },
    };

    public static PolicySwitch Switch(PolicySwitchName name, bool on) => new() { Name = name, On = on, SetBy = "system", SetAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch) };

    public static PolicyMessage Snapshot(long revision, params PolicyPlugin[] plugins)
    {
        var snapshot = new Fabrix.Contracts.Policy.V1.PolicySnapshot { Revision = revision, CommittedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch) };
        snapshot.Plugins.Add(plugins);
        snapshot.Switches.Add([Switch(PolicySwitchName.EgressKill, false), Switch(PolicySwitchName.LaneOperator, true),
            Switch(PolicySwitchName.LaneCanonical, true), Switch(PolicySwitchName.LaneProxy, true)]);
        return new PolicyMessage { Snapshot = snapshot };
    }

    public static PolicyMessage Delta(long baseRevision, long revision, PolicyPlugin[]? upserted = null, string[]? removed = null, PolicySwitch[]? switches = null)
    {
        var delta = new PolicyDelta { BaseRevision = baseRevision, Revision = revision };
        delta.Upserted.Add(upserted ?? []);
        delta.Removed.Add(removed ?? []);
        delta.Switches.Add(switches ?? []);
        return new PolicyMessage { Delta = delta };
    }

    public static PolicyMessage Heartbeat(long revision) => new() { Heartbeat = new PolicyHeartbeat { Revision = revision } };

    /// <summary>A client whose stream is never started: tests call <see cref="PolicySnapshotClient.Apply"/> themselves.</summary>
    public static PolicySnapshotClient Client(TimeProvider timeProvider, TimeSpan? staleAfter = null) =>
        Client(new PolicyService.PolicyServiceClient(GrpcChannel.ForAddress("http://127.0.0.1:9")), timeProvider, staleAfter);

    public static PolicySnapshotClient Client(PolicyService.PolicyServiceClient client, TimeProvider timeProvider, TimeSpan? staleAfter = null) =>
        new(client,
            Options.Create(new PolicySnapshotOptions
            {
                RegistryAddress = new Uri("http://127.0.0.1:9"),
                StaleAfter = staleAfter ?? TimeSpan.FromSeconds(30),
                ReconnectDelay = TimeSpan.FromMilliseconds(50),
                MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
            }),
            timeProvider,
            new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            NullLogger<PolicySnapshotClient>.Instance);

    public static async Task<HealthStatus> HealthAsync(PolicySnapshotClient client) =>
        (await new PolicySnapshotHealthCheck(client).CheckHealthAsync(new HealthCheckContext(), CancellationToken.None)).Status;
}
