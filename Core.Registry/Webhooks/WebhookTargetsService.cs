using System.Text.Json.Nodes;
using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.Requests;
using Fabrix.Core.Registry.ServiceIdentity;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Webhooks;

/// <summary>
/// <c>fabrix.events.v1.WebhookTargets</c>: the core-only path by which Core.Events reads the endpoints it delivers to,
/// with their secrets decrypted, and reports what only delivery learns (issue 11 section 4). Only the service identity
/// <see cref="WebhookOptions.DeliveryService"/> may call it: any other service, plugin or administrator is refused
/// (audited). Secrets therefore never enter the policy snapshot that every lane receives.
/// </summary>
internal sealed class WebhookTargetsService(
    ServiceIdentityAuthenticator identity,
    AuditLog audit,
    RequestArguments arguments,
    RegistryDatabase database,
    WebhookSecrets secrets,
    WebhookChangeNotifier changes,
    IOptions<WebhookOptions> options) : WebhookTargets.WebhookTargetsBase
{
    public override async Task<ListWebhookTargetsResponse> ListWebhookTargets(ListWebhookTargetsRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        await AuthenticateAsync(context, WebhookActions.ReadTargets, "webhook", cancellationToken);
        await using var transaction = await database.BeginAsync(cancellationToken);
        var response = new ListWebhookTargetsResponse();
        foreach (var stored in await WebhookStore.ReadAsync(transaction, null, cancellationToken))
        {
            var target = new WebhookTarget { Endpoint = stored.Endpoint };
            target.Secrets.Add(secrets.Unprotect(stored.ProtectedSecret));
            if (stored.ProtectedPreviousSecret is { } previous)
            {
                target.Secrets.Add(secrets.Unprotect(previous));
            }

            response.Targets.Add(target);
        }

        await transaction.CommitAsync(cancellationToken);
        return response;
    }

    public override async Task<WebhookEndpoint> ReportWebhookState(ReportWebhookStateRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var target = WebhooksAdminService.Target(request.Id);
        var caller = await AuthenticateAsync(context, WebhookActions.ReportState, target, cancellationToken);
        await arguments.RequireAsync(caller, WebhookActions.ReportState, target,
        [
            ("id", WebhooksAdminService.IdProblem(request.Id)),
            ("state", request.StateCase == ReportWebhookStateRequest.StateOneofCase.None ? "One of failing_since, succeeded or disabled is required." : null),
            ("disabled", request.StateCase == ReportWebhookStateRequest.StateOneofCase.Disabled
                ? string.IsNullOrWhiteSpace(request.Disabled) ? "A reason is required." : RequestArguments.ReasonProblem(request.Disabled)
                : null),
            ("cause", request.StateCase == ReportWebhookStateRequest.StateOneofCase.Disabled && request.Cause is not ("gone" or "failing")
                ? "Must be gone or failing." : null),
        ], cancellationToken);

        return await audit.RecordFailuresAsync(caller, WebhookActions.ReportState, target, async () =>
        {
            await using var transaction = await database.BeginAsync(cancellationToken);
            var found = await WebhookStore.ReadAsync(transaction, request.Id, cancellationToken, forUpdate: true);
            if (found.Count == 0)
            {
                throw await audit.RefuseAsync(transaction, caller, WebhookActions.ReportState, target,
                    Refusal.Of(RefusalKind.NotFound, RefusalCodes.WebhookEndpointNotFound, $"No webhook endpoint has the id '{request.Id}'."), null, cancellationToken);
            }

            var endpoint = found[0].Endpoint;
            switch (request.StateCase)
            {
                case ReportWebhookStateRequest.StateOneofCase.FailingSince when endpoint.FailingSince is null:
                    await WebhookStore.SetFailingSinceAsync(transaction, request.Id, request.FailingSince.ToDateTimeOffset(), cancellationToken);
                    break;
                case ReportWebhookStateRequest.StateOneofCase.Succeeded when endpoint.FailingSince is not null:
                    await WebhookStore.SetFailingSinceAsync(transaction, request.Id, null, cancellationToken);
                    break;
                case ReportWebhookStateRequest.StateOneofCase.Disabled when endpoint.Enabled:
                    await WebhookStore.SetEnabledAsync(transaction, request.Id, false, request.Disabled, cancellationToken);
                    await AuditLog.SucceededAsync(transaction, caller, WebhookActions.Disable, target, request.Disabled,
                        new JsonObject { ["cause"] = request.Cause, ["url"] = endpoint.Url }, cancellationToken);
                    changes.AfterCommit(transaction, request.Id);
                    break;
            }

            var after = (await WebhookStore.ReadAsync(transaction, request.Id, cancellationToken))[0];
            await transaction.CommitAsync(cancellationToken);
            return after.Endpoint;
        }, cancellationToken);
    }

    private async Task<Caller> AuthenticateAsync(ServerCallContext context, string action, string target, CancellationToken cancellationToken)
    {
        var caller = await identity.AuthenticateAsync(context.GetHttpContext(), action, target, cancellationToken);
        if (caller.Actor != "service:" + options.Value.DeliveryService)
        {
            throw await audit.RefuseAsync(caller, action, target, Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.NotAService,
                $"{caller.Actor} may not {action}: only the service {options.Value.DeliveryService} delivers webhooks and reads their secrets."), null, cancellationToken);
        }

        return caller;
    }
}
