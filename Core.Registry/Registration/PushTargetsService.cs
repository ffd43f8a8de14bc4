using Fabrix.Contracts.Events.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Persistence;
using Fabrix.Core.Registry.ServiceIdentity;
using Fabrix.Core.Registry.Webhooks;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Registration;

/// <summary>
/// <c>fabrix.events.v1.PushTargets</c>: the core-only path by which Core.Events reads the plugins it pushes events to,
/// with their push path and secret (issue 11 section 3). Only the service identity that delivers events
/// (<see cref="WebhookOptions.DeliveryService"/>, default <c>events</c>: the same service delivers webhooks and pushes) may
/// call it; any other service, plugin or administrator is refused (audited). A plugin is a target while its pinned
/// manifest declares <c>events.delivery: push</c> and it holds a secret (it registered with such a manifest). Its secrets
/// are the current one first, then any previous one still within its overlap window after a rotation.
/// </summary>
internal sealed class PushTargetsService(
    ServiceIdentityAuthenticator identity,
    AuditLog audit,
    RegistryDatabase database,
    PushSecrets secrets,
    IOptions<WebhookOptions> options) : PushTargets.PushTargetsBase
{
    public const string ReadAction = "push.read_targets";

    public override async Task<ListPushTargetsResponse> ListPushTargets(ListPushTargetsRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var caller = await identity.AuthenticateAsync(context.GetHttpContext(), ReadAction, "push", cancellationToken);
        if (caller.Actor != "service:" + options.Value.DeliveryService)
        {
            throw await audit.RefuseAsync(caller, ReadAction, "push", Refusal.Of(RefusalKind.PermissionDenied, RefusalCodes.NotAService,
                $"{caller.Actor} may not {ReadAction}: only the service {options.Value.DeliveryService} delivers events and reads push secrets."), null, cancellationToken);
        }

        await using var transaction = await database.BeginAsync(cancellationToken);
        var stored = await PushSecrets.ListAsync(transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var response = new ListPushTargetsResponse();
        foreach (var entry in stored)
        {
            // The pinned manifest was validated when it was installed; an upgrade back to stream delivery keeps the
            // secret (a later switch to push reuses it) but makes the plugin no target.
            if (PushSecrets.PushPathOf(entry.ManifestJson) is { } path)
            {
                var target = new PushTarget
                {
                    PluginId = entry.PluginId,
                    PushPath = path,
                    Secrets = { secrets.Unprotect(entry.ProtectedSecret) },
                    ManifestDigest = entry.ManifestDigest,
                };
                // After a rotation, the previous secret until its overlap window ends (issue 11 section 3).
                target.Secrets.Add(entry.PreviousProtected.Select(secrets.Unprotect));
                response.Targets.Add(target);
            }
        }

        return response;
    }
}
