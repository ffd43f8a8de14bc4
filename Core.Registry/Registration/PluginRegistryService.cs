using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Errors;
using Fabrix.Core.Registry.Lifecycle;
using Fabrix.Core.Registry.Requests;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Fabrix.Core.Registry.Registration;

/// <summary>The plugin API over gRPC (registry.proto <c>PluginRegistry</c>); same rules as the REST endpoints.</summary>
internal sealed class PluginRegistryService(PluginRegistration registration) : PluginRegistry.PluginRegistryBase
{
    public override async Task<TokenResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        var grant = await registration.RegisterAsync(request.ManifestJson, request.Address, request.RegistrationCredential, context.CancellationToken);
        return ToResponse(grant);
    }

    public override async Task<TokenResponse> RenewToken(RenewTokenRequest request, ServerCallContext context)
    {
        var identity = await registration.AuthenticateAsync(AuthorizationOf(context), AuditActions.RenewToken, null, context.CancellationToken);
        var grant = await registration.RenewAsync(identity, context.CancellationToken);
        return ToResponse(grant);
    }

    public override async Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        var identity = await registration.AuthenticateAsync(AuthorizationOf(context), AuditActions.Heartbeat, request.PluginId, context.CancellationToken);
        if (RequestArguments.IdProblem(request.PluginId) is { } problem)
        {
            throw await registration.RefuseMalformedAsync(AuditActions.Heartbeat, request.PluginId, [new FieldViolation("plugin_id", problem)], context.CancellationToken, identity);
        }

        var receipt = await registration.HeartbeatAsync(identity, request.PluginId, request.Metrics, context.CancellationToken);
        return new HeartbeatResponse
        {
            Status = PluginLifecycle.ToProto(receipt.Status),
            ReceivedAt = Timestamp.FromDateTimeOffset(receipt.ReceivedAt),
        };
    }

    private static string? AuthorizationOf(ServerCallContext context) => context.RequestHeaders.GetValue("authorization");

    private static TokenResponse ToResponse(TokenGrant grant) => new()
    {
        PluginId = grant.Plugin.Id,
        Token = grant.Token.Token,
        KeyId = grant.Token.KeyId,
        ExpiresAt = Timestamp.FromDateTimeOffset(grant.Token.ExpiresAt),
        Status = PluginLifecycle.ToProto(grant.Plugin.Status),
        PushSecret = grant.PushSecret ?? string.Empty,
    };
}
