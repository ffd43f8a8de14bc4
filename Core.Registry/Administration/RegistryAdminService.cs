using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Credentials;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Outbox;
using Fabrix.Core.Registry.Plugins;
using Fabrix.Core.Registry.Registration;
using Fabrix.Core.Registry.Requests;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Fabrix.Core.Registry.Administration;

/// <summary>
/// The administrator API over gRPC (registry.proto <c>RegistryAdmin</c>). Each call is authorized here, in the service:
/// reads (including the versions and the health of a plugin) need any administrator role; changes (including upgrade, its preview,
/// rollback, rotating or revoking the registration credential, and rotating the push secret) need <c>admin</c> or <c>plugin_manager</c>.
/// </summary>
internal sealed class RegistryAdminService(
    AdministratorAccess access,
    PluginAdministration administration,
    PluginVersionAdministration versions,
    PluginHealthAdministration health,
    CredentialAdministration credentials,
    PushSecretAdministration pushSecrets,
    PluginListing listing,
    RequestArguments arguments,
    PluginChangeBroadcaster broadcaster,
    TimeProvider timeProvider) : RegistryAdmin.RegistryAdminBase
{
    public override async Task<InstallPluginResponse> InstallPlugin(InstallPluginRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Manage, AuditActions.Install, ManifestIds.Of(request.ManifestJson));
        return await administration.InstallAsync(request.ManifestJson, request.EnableOnRegister, caller, context.CancellationToken);
    }

    public override async Task<UninstallPluginResponse> UninstallPlugin(UninstallPluginRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Manage, AuditActions.Uninstall, request.Id);
        await RequireIdAndReasonAsync(caller, AuditActions.Uninstall, request.Id, request.Reason, context);
        return await administration.UninstallAsync(request.Id, request.Reason, caller, context.CancellationToken);
    }

    public override async Task<PluginDetail> GetPlugin(GetPluginRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Read, AuditActions.Read, request.Id);
        await arguments.RequireIdAsync(caller, AuditActions.Read, "id", request.Id, context.CancellationToken);
        return await administration.GetAsync(request.Id, caller, context.CancellationToken);
    }

    public override async Task<ListPluginsResponse> ListPlugins(ListPluginsRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Read, AuditActions.Read, PluginListing.Target);
        return await listing.ListAsync(request, caller, context.CancellationToken);
    }

    public override Task<PluginDetail> EnablePlugin(PluginTransitionRequest request, ServerCallContext context) =>
        TransitionAsync(request, LifecycleTrigger.Enable, AuditActions.Enable, context);

    public override Task<PluginDetail> DisablePlugin(PluginTransitionRequest request, ServerCallContext context) =>
        TransitionAsync(request, LifecycleTrigger.Disable, AuditActions.Disable, context);

    public override Task<PluginDetail> UnregisterPlugin(PluginTransitionRequest request, ServerCallContext context) =>
        TransitionAsync(request, LifecycleTrigger.Unregister, AuditActions.Unregister, context);

    public override async Task<ListPluginVersionsResponse> ListPluginVersions(ListPluginVersionsRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Read, AuditActions.Read, request.Id);
        await arguments.RequireIdAsync(caller, AuditActions.Read, "id", request.Id, context.CancellationToken);
        var response = new ListPluginVersionsResponse();
        response.Versions.Add(await versions.ListAsync(request.Id, caller, context.CancellationToken));
        return response;
    }

    public override async Task<UpgradePreview> PreviewUpgrade(UpgradePluginRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Manage, AuditActions.PreviewUpgrade, ManifestIds.Of(request.ManifestJson));
        return await versions.PreviewAsync(request.ManifestJson, caller, context.CancellationToken);
    }

    public override async Task<PluginDetail> UpgradePlugin(UpgradePluginRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Manage, AuditActions.Upgrade, ManifestIds.Of(request.ManifestJson));
        await arguments.RequireAsync(caller, AuditActions.Upgrade, ManifestIds.Of(request.ManifestJson),
            [("reason", RequestArguments.ReasonProblem(request.Reason))], context.CancellationToken);
        return await versions.UpgradeAsync(request.ManifestJson, request.ApprovePermissions, request.Reason, caller, context.CancellationToken);
    }

    public override async Task<PluginDetail> RollbackPlugin(RollbackPluginRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Manage, AuditActions.Rollback, request.Id);
        await arguments.RequireAsync(caller, AuditActions.Rollback, request.Id,
        [
            ("id", RequestArguments.IdProblem(request.Id)),
            ("version", RequestArguments.TextProblem(request.Version, RequestArguments.MaxVersionLength)),
            ("reason", RequestArguments.ReasonProblem(request.Reason)),
        ], context.CancellationToken);
        return await versions.RollbackAsync(request.Id, request.Version, request.Reason, caller, context.CancellationToken);
    }

    public override async Task<PluginHealth> GetPluginHealth(GetPluginHealthRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Read, AuditActions.Read, request.Id);
        await arguments.RequireIdAsync(caller, AuditActions.Read, "id", request.Id, context.CancellationToken);
        return await health.GetAsync(request.Id, request.SampleLimit, caller, context.CancellationToken);
    }

    public override async Task<RotateRegistrationCredentialResponse> RotateRegistrationCredential(RegistrationCredentialRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Manage, AuditActions.RotateCredential, request.Id);
        return await credentials.RotateAsync(request.Id, request.Reason, caller, context.CancellationToken);
    }

    public override async Task<PluginDetail> RevokeRegistrationCredential(RegistrationCredentialRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Manage, AuditActions.RevokeCredential, request.Id);
        return await credentials.RevokeAsync(request.Id, request.Reason, caller, context.CancellationToken);
    }

    public override async Task<RotatePushSecretResponse> RotatePushSecret(RotatePushSecretRequest request, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Manage, AuditActions.RotatePushSecret, request.Id);
        await RequireIdAndReasonAsync(caller, AuditActions.RotatePushSecret, request.Id, request.Reason, context);
        return await pushSecrets.RotateAsync(request.Id, request.Reason, caller, context.CancellationToken);
    }

    /// <summary>
    /// Subscribes before reading the snapshot, so no change is lost between the two; a change that lands in between
    /// arrives again as an upsert after the snapshot, which is harmless (upserts are idempotent).
    /// </summary>
    public override async Task WatchPlugins(WatchPluginsRequest request, IServerStreamWriter<PluginChange> responseStream, ServerCallContext context)
    {
        await AuthorizeAsync(context, AdminPermission.Read, AuditActions.Watch, "plugins");
        using var subscription = broadcaster.Subscribe();
        var snapshot = await administration.ListAsync(PluginStatus.Unspecified, null, context.CancellationToken);
        var at = Timestamp.FromDateTimeOffset(timeProvider.GetUtcNow());
        foreach (var plugin in snapshot)
        {
            await responseStream.WriteAsync(new PluginChange { Kind = PluginChange.Types.Kind.Snapshot, Plugin = plugin, At = at }, context.CancellationToken);
        }

        try
        {
            await foreach (var change in subscription.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(change, context.CancellationToken);
            }
        }
        catch (Exception exception) when (exception is SubscriberFellBehindException || exception.InnerException is SubscriberFellBehindException)
        {
            // Not a refusal: the stream is healthy but this reader lost its place; ABORTED tells the client to watch again.
            throw new RpcException(new Status(StatusCode.Aborted, (exception as SubscriberFellBehindException ?? exception.InnerException!).Message));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private async Task<PluginDetail> TransitionAsync(PluginTransitionRequest request, LifecycleTrigger trigger, string action, ServerCallContext context)
    {
        var caller = await AuthorizeAsync(context, AdminPermission.Manage, action, request.Id);
        await RequireIdAndReasonAsync(caller, action, request.Id, request.Reason, context);
        return await administration.TransitionAsync(request.Id, trigger, request.Reason, request.Cascade, caller, context.CancellationToken);
    }

    /// <summary>The id and the reason of a change, checked before anything reads the database (issue 7 section 4).</summary>
    private Task RequireIdAndReasonAsync(Caller caller, string action, string id, string reason, ServerCallContext context) =>
        arguments.RequireAsync(caller, action, id,
            [("id", RequestArguments.IdProblem(id)), ("reason", RequestArguments.ReasonProblem(reason))],
            context.CancellationToken);

    private Task<Caller> AuthorizeAsync(ServerCallContext context, AdminPermission permission, string action, string target) =>
        access.AuthorizeAsync(context.GetHttpContext(), permission, action, target, context.CancellationToken);
}
