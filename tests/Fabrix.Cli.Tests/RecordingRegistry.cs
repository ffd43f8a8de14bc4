using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Cli.Tests;

/// <summary>
/// An in-process RegistryAdmin endpoint that records what the CLI sends and answers with fixed replies, so the
/// CLI's side of the contract (headers, requests, rendering, error mapping) is observable without a registry.
/// The registry itself is exercised end to end by the lead's tests.
/// </summary>
internal sealed class RecordingRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingRegistry(WebApplication app, RecordingRegistryAdmin admin)
    {
        _app = app;
        Admin = admin;
    }

    public RecordingRegistryAdmin Admin { get; }

    public static Uri Address { get; } = new("http://registry.test");

    public static async Task<RecordingRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddGrpc();
        var admin = new RecordingRegistryAdmin();
        builder.Services.AddSingleton(admin);
        var app = builder.Build();
        app.MapGrpcService<RecordingRegistryAdmin>();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new RecordingRegistry(app, admin);
    }

    public GrpcChannel OpenChannel(Uri address) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = _app.GetTestServer().CreateHandler() });

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

internal sealed class RecordingRegistryAdmin : RegistryAdmin.RegistryAdminBase
{
    public const string RefusedId = "refused-plugin";
    public const string StuckId = "stuck-plugin";

    /// <summary>An installed plugin with no health samples or transitions yet.</summary>
    public const string QuietId = "quiet-plugin";

    /// <summary>The page token of the second (last) page of ListPlugins.</summary>
    public const string SecondPageToken = "page-2";

    public List<string> Authorizations { get; } = [];

    public List<object> Requests { get; } = [];

    public override Task<ListPluginsResponse> ListPlugins(ListPluginsRequest request, ServerCallContext context)
    {
        Record(request, context);

        // Two pages, as a registry with more plugins than a page holds answers (issue 7 section 3).
        var response = new ListPluginsResponse { TotalCount = 2 };
        if (request.PageToken.Length == 0)
        {
            response.Plugins.Add(Summary("user-management", PluginStatus.Active));
            response.NextPageToken = SecondPageToken;
        }
        else if (request.PageToken == SecondPageToken)
        {
            response.Plugins.Add(Summary("billing", PluginStatus.Installed));
        }
        else
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, "Not a page token issued by this registry."));
        }

        return Task.FromResult(response);
    }

    public override Task<PluginDetail> GetPlugin(GetPluginRequest request, ServerCallContext context)
    {
        Record(request, context);
        if (request.Id != "user-management")
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, $"No plugin '{request.Id}' is installed."));
        }

        return Task.FromResult(Detail(request.Id, PluginStatus.Active));
    }

    public override Task<InstallPluginResponse> InstallPlugin(InstallPluginRequest request, ServerCallContext context)
    {
        Record(request, context);
        if (request.ManifestJson.Contains(RefusedId, StringComparison.Ordinal))
        {
            var status = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = "The manifest is invalid" };
            var badRequest = new BadRequest();
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "$.allowed_domains[0]", Description = "The allowed domain is blocked." });
            status.Details.Add(Any.Pack(badRequest));
            throw status.ToRpcException();
        }

        var response = new InstallPluginResponse { Plugin = Detail("user-management", PluginStatus.Installed), RegistrationCredential = Credential("1111222233334444") };
        response.Plugin.EnableOnRegister = request.EnableOnRegister;
        response.Warnings.Add(new ManifestIssue { Path = "$.traits[2]", Message = "The trait 'x' carries no platform rule." });
        return Task.FromResult(response);
    }

    public override Task<PluginDetail> EnablePlugin(PluginTransitionRequest request, ServerCallContext context)
    {
        Record(request, context);
        if (request.Id == StuckId)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "Cannot enable a plugin that is installed; allowed: registered -> active, disabled -> active."));
        }

        return Task.FromResult(Detail(request.Id, PluginStatus.Active));
    }

    public override Task<PluginDetail> DisablePlugin(PluginTransitionRequest request, ServerCallContext context)
    {
        Record(request, context);
        if (!context.RequestHeaders.GetValue("authorization")!.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated, "No bearer token"));
        }

        throw new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied, "The role audit_viewer may not disable plugins."));
    }

    public override Task<PluginDetail> UnregisterPlugin(PluginTransitionRequest request, ServerCallContext context)
    {
        Record(request, context);
        return Task.FromResult(Detail(request.Id, PluginStatus.Unregistered));
    }

    public override Task<UninstallPluginResponse> UninstallPlugin(UninstallPluginRequest request, ServerCallContext context)
    {
        Record(request, context);
        return Task.FromResult(new UninstallPluginResponse { Id = request.Id });
    }

    public override Task<RotateRegistrationCredentialResponse> RotateRegistrationCredential(RegistrationCredentialRequest request, ServerCallContext context)
    {
        Record(request, context);
        return Task.FromResult(new RotateRegistrationCredentialResponse { Plugin = Detail(request.Id, PluginStatus.Active), Credential = Credential("5555666677778888") });
    }

    public override Task<PluginDetail> RevokeRegistrationCredential(RegistrationCredentialRequest request, ServerCallContext context)
    {
        Record(request, context);
        if (request.Id == RefusedId)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, $"Plugin '{request.Id}' has no registration credential to revoke."));
        }

        var detail = Detail(request.Id, PluginStatus.Active);
        detail.RegistrationCredential = Credential("1111222233334444").Info;
        detail.RegistrationCredential.RevokedAt = At(11, 0, 0);
        detail.RegistrationCredential.RevokedBy = "user:alice";
        return Task.FromResult(detail);
    }

    public override Task<RotatePushSecretResponse> RotatePushSecret(RotatePushSecretRequest request, ServerCallContext context)
    {
        Record(request, context);
        if (request.Id == RefusedId)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition,
                $"Plugin '{request.Id}' does not receive its events by HTTP push (its pinned manifest's events.delivery is not \"push\"), so it has no push secret to rotate."));
        }

        return Task.FromResult(new RotatePushSecretResponse { Plugin = Detail(request.Id, PluginStatus.Active), RotatedAt = At(12, 0, 0), PreviousValidUntil = Timestamp.FromDateTimeOffset(At(12, 0, 0).ToDateTimeOffset().AddDays(1)) });
    }

    /// <summary>A credential as the registry issues it; the secret ends with <see cref="SecretTail"/>.</summary>
    public static RegistrationCredential Credential(string credentialId) => new()
    {
        Secret = $"fxrc_{credentialId}_{SecretTail}{credentialId}",
        Info = new RegistrationCredentialInfo { CredentialId = credentialId, IssuedAt = At(10, 0, 0), IssuedBy = "user:alice" },
    };

    public const string SecretTail = "Zm9yLXRlc3RzLW9ubHktbm90LWEtc2VjcmV0";

    /// <summary>
    /// user-management: degraded after a failed HTTP probe, with an older successful probe and a heartbeat;
    /// <see cref="QuietId"/>: no history; anything else: NOT_FOUND with the registry's ErrorInfo detail.
    /// </summary>
    public override Task<PluginHealth> GetPluginHealth(GetPluginHealthRequest request, ServerCallContext context)
    {
        Record(request, context);
        if (request.Id == QuietId)
        {
            return Task.FromResult(new PluginHealth { PluginId = QuietId, State = HealthState.Unknown, Monitoring = "probe:http" });
        }

        if (request.Id != "user-management")
        {
            var status = new Google.Rpc.Status { Code = (int)Code.NotFound, Message = $"Plugin '{request.Id}' is not installed." };
            status.Details.Add(Any.Pack(new ErrorInfo { Reason = "NOT_FOUND", Domain = "registry.fabrix" }));
            throw status.ToRpcException();
        }

        var health = new PluginHealth
        {
            PluginId = request.Id,
            State = HealthState.Degraded,
            Since = At(10, 0, 30),
            ConsecutiveFailures = 1,
            ConsecutiveSuccesses = 0,
            LastHeartbeatAt = At(10, 0, 5),
            Monitoring = "probe:http",
        };
        health.Samples.Add(new HealthSample
        {
            At = At(10, 0, 30),
            Source = "probe",
            Success = false,
            LatencyMs = 2000,
            Error = "HTTP 503 from /health",
            StateAfter = HealthState.Degraded,
        });
        var ok = new HealthSample { At = At(10, 0, 15), Source = "probe", Success = true, LatencyMs = 42, StateAfter = HealthState.Healthy };
        ok.Metrics.Add("uptime_seconds", 12);
        ok.Metrics.Add("memory.working_set_mb", 80.5);
        health.Samples.Add(ok);
        health.Samples.Add(new HealthSample { At = At(10, 0, 5), Source = "heartbeat", Success = true, StateAfter = HealthState.Unknown });
        health.Transitions.Add(new HealthTransition
        {
            FromState = HealthState.Healthy,
            ToState = HealthState.Degraded,
            At = At(10, 0, 30),
            Reason = "1 consecutive probe failure",
        });
        health.Transitions.Add(new HealthTransition
        {
            FromState = HealthState.Unknown,
            ToState = HealthState.Healthy,
            At = At(10, 0, 15),
            Reason = "1 successful probe",
        });
        return Task.FromResult(health);
    }

    private void Record(object request, ServerCallContext context)
    {
        lock (Requests)
        {
            Requests.Add(request);
            Authorizations.Add(context.RequestHeaders.GetValue("authorization") ?? string.Empty);
        }
    }

    private static Timestamp At(int hour, int minute, int second) =>
        Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 3, 4, hour, minute, second, TimeSpan.Zero));

    private static PluginSummary Summary(string id, PluginStatus status)
    {
        var summary = new PluginSummary
        {
            Id = id,
            Name = id + " plugin",
            Version = "1.0.0",
            Status = status,
            Health = HealthState.Healthy,
            InstalledAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero)),
        };
        summary.Contracts.Add("IdentityPlugin");
        summary.Traits.Add("handles_pii");
        return summary;
    }

    private static PluginDetail Detail(string id, PluginStatus status)
    {
        var detail = new PluginDetail
        {
            Summary = Summary(id, status),
            ManifestJson = Manifests.UserManagement.Replace("\n", string.Empty, StringComparison.Ordinal),
            ManifestDigest = new string('a', 64),
            Token = new TokenInfo { KeyId = "key-2025-01", ExpiresAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 1, 2, 3, 19, 5, TimeSpan.Zero)) },
        };
        detail.History.Add(new LifecycleEvent { FromStatus = PluginStatus.Unspecified, ToStatus = PluginStatus.Installed, Actor = "user:alice", Reason = "approved" });
        return detail;
    }
}
