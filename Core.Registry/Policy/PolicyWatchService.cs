using System.Data;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.ServiceIdentity;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Fabrix.Core.Registry.Policy;

/// <summary>
/// <c>fabrix.policy.v1.PolicyService</c>: the WatchPolicy stream (issue 9 section 1), for core services only
/// (<see cref="ServiceIdentityAuthenticator"/>). It subscribes to this replica's <see cref="PolicyFeed"/> first, then
/// reads the snapshot or the resume delta, so nothing committed in between is lost; a pushed delta the stream already
/// covers is skipped, and a gap before a pushed delta or heartbeat (the feed's first read came after this stream's) is
/// filled from the database. Successful watches are reads and are not audited; refusals are.
/// </summary>
internal sealed class PolicyWatchService(ServiceIdentityAuthenticator identity, PolicyFeed feed, RegistryDatabase database, TimeProvider timeProvider,
    LaneStatusBoard lanes)
    : PolicyService.PolicyServiceBase
{
    public override async Task<ReportLaneStatusResponse> ReportLaneStatus(LaneStatusReport request, ServerCallContext context)
    {
        await lanes.ReportAsync(request, context.GetHttpContext(), context.CancellationToken);
        return new ReportLaneStatusResponse();
    }

    public override async Task WatchPolicy(WatchPolicyRequest request, IServerStreamWriter<PolicyMessage> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        await identity.AuthenticateAsync(context.GetHttpContext(), PolicyActions.Watch, PolicyActions.Target, cancellationToken);
        using var watch = feed.Subscribe();
        long held;
        PolicyMessage first;
        await using (var transaction = await database.BeginAsync(IsolationLevel.RepeatableRead, cancellationToken))
        {
            var (servable, delta) = request.FromRevision > 0
                ? await PolicyStore.ReadDeltaAsync(transaction, request.FromRevision, cancellationToken)
                : (false, null);
            if (servable)
            {
                held = delta?.Revision ?? request.FromRevision;
                first = delta is not null ? new PolicyMessage { Delta = delta } : Heartbeat(held);
            }
            else
            {
                var snapshot = await PolicyStore.ReadSnapshotAsync(transaction, cancellationToken);
                held = snapshot.Revision;
                first = new PolicyMessage { Snapshot = snapshot };
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await responseStream.WriteAsync(first, cancellationToken);
        try
        {
            await foreach (var message in watch.Reader.ReadAllAsync(cancellationToken))
            {
                if (message.KindCase == PolicyMessage.KindOneofCase.Heartbeat)
                {
                    // The feed is ahead without having pushed the way there (its first read after a failed one): catch up.
                    if (message.Heartbeat.Revision > held)
                    {
                        held = await FillGapAsync(held, responseStream, cancellationToken);
                    }

                    await responseStream.WriteAsync(Heartbeat(held), cancellationToken);
                    continue;
                }

                var delta = message.Delta;
                if (delta.Revision <= held)
                {
                    continue;
                }

                if (delta.BaseRevision > held)
                {
                    held = await FillGapAsync(held, responseStream, cancellationToken);
                    if (delta.Revision <= held)
                    {
                        continue;
                    }
                }

                await responseStream.WriteAsync(message, cancellationToken);
                held = delta.Revision;
            }
        }
        catch (Exception exception) when (exception is PolicyWatcherFellBehindException || exception.InnerException is PolicyWatcherFellBehindException)
        {
            // Not a refusal: this reader lost its place; ABORTED tells the client to watch again from its revision.
            throw new RpcException(new Status(StatusCode.Aborted, (exception as PolicyWatcherFellBehindException ?? exception.InnerException!).Message));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private async Task<long> FillGapAsync(long held, IServerStreamWriter<PolicyMessage> responseStream, CancellationToken cancellationToken)
    {
        await using var transaction = await database.BeginAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var (servable, delta) = await PolicyStore.ReadDeltaAsync(transaction, held, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (!servable)
        {
            throw new PolicyWatcherFellBehindException();
        }

        if (delta is null)
        {
            return held;
        }

        await responseStream.WriteAsync(new PolicyMessage { Delta = delta }, cancellationToken);
        return delta.Revision;
    }

    private PolicyMessage Heartbeat(long revision) =>
        new() { Heartbeat = new PolicyHeartbeat { Revision = revision, At = Timestamp.FromDateTimeOffset(timeProvider.GetUtcNow()) } };
}

/// <summary>Audit action names of the policy feature.</summary>
internal static class PolicyActions
{
    /// <summary>Opening a WatchPolicy stream (refusals only are audited: a watch is a read).</summary>
    public const string Watch = "policy.watch";

    /// <summary>Setting a global switch.</summary>
    public const string SetSwitch = "policy.switch.set";

    /// <summary>Listing the switches (refusals only are audited).</summary>
    public const string ListSwitches = "policy.switch.list";

    /// <summary>The audit target of a watch.</summary>
    public const string Target = "policy";
}
