using System.Net;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>
/// A registry stand-in served over h2c by Kestrel on a real port (<c>RegistryAdmin</c> and <c>AuditLog</c>), for tests
/// of the console's gRPC wiring: it answers as the test sets it up and records what the console sent.
/// </summary>
internal sealed class RegistryStandInServer : IAsyncDisposable
{
    private readonly WebApplication _server;

    private RegistryStandInServer(WebApplication server, string address)
    {
        _server = server;
        Address = address;
    }

    public RegistryStandIn Registry => _server.Services.GetRequiredService<RegistryStandIn>();

    public AuditLogStandIn AuditLog => _server.Services.GetRequiredService<AuditLogStandIn>();

    /// <summary>The h2c base URL, as <c>services__registry__grpc__0</c> would carry it.</summary>
    public string Address { get; }

    public static async Task<RegistryStandInServer> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<RegistryStandIn>();
        builder.Services.AddSingleton<AuditLogStandIn>();
        var server = builder.Build();
        server.MapGrpcService<RegistryStandIn>();
        server.MapGrpcService<AuditLogStandIn>();
        await server.StartAsync(cancellationToken);
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RegistryStandInServer(server, address);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>Answers like the registry's admin API would for the cases under test and records what the console sent.</summary>
internal sealed class RegistryStandIn : RegistryAdmin.RegistryAdminBase
{
    public List<string> Authorizations { get; } = [];

    public List<PluginSummary> Plugins { get; } = [];

    public List<PluginChange> Changes { get; } = [];

    public List<string> Transitions { get; } = [];

    public List<object> Requests { get; } = [];

    public RpcException? InstallFailure { get; set; }

    /// <summary>When set, DisablePlugin without cascade fails with it instead of the illegal-transition refusal.</summary>
    public RpcException? DisableFailure { get; set; }

    public override Task<ListPluginsResponse> ListPlugins(ListPluginsRequest request, ServerCallContext context)
    {
        Authorizations.Add(context.RequestHeaders.GetValue("authorization") ?? string.Empty);
        Requests.Add(request);
        return Task.FromResult(new ListPluginsResponse { Plugins = { Plugins }, NextPageToken = NextPageToken, TotalCount = Plugins.Count });
    }

    /// <summary>What ListPlugins answers as next_page_token.</summary>
    public string NextPageToken { get; set; } = string.Empty;

    /// <summary>When set, every RotateRegistrationCredential fails with it.</summary>
    public RpcException? Failure { get; set; }

    public override Task<RotateRegistrationCredentialResponse> RotateRegistrationCredential(
        RegistrationCredentialRequest request, ServerCallContext context)
    {
        Requests.Add(request);
        return Failure is not null
            ? throw Failure
            : Task.FromResult(new RotateRegistrationCredentialResponse
            {
                Plugin = new PluginDetail { Summary = new PluginSummary { Id = request.Id } },
                Credential = new RegistrationCredential { Secret = "fxrc_c9_s3cret", Info = new RegistrationCredentialInfo { CredentialId = "c9" } },
            });
    }

    public override Task<PluginDetail> RevokeRegistrationCredential(RegistrationCredentialRequest request, ServerCallContext context)
    {
        Requests.Add(request);
        return Task.FromResult(new PluginDetail { Summary = new PluginSummary { Id = request.Id } });
    }

    public override async Task WatchPlugins(WatchPluginsRequest request, IServerStreamWriter<PluginChange> responseStream, ServerCallContext context)
    {
        foreach (var change in Changes)
        {
            await responseStream.WriteAsync(change, context.CancellationToken);
        }
    }

    public override Task<InstallPluginResponse> InstallPlugin(InstallPluginRequest request, ServerCallContext context) =>
        throw InstallFailure ?? new RpcException(new Grpc.Core.Status(StatusCode.Unimplemented, "not in this test"));

    public override Task<PluginDetail> DisablePlugin(PluginTransitionRequest request, ServerCallContext context)
    {
        Transitions.Add($"{request.Id} {request.Reason}{(request.Cascade ? " cascade" : string.Empty)}");
        return request.Cascade
            ? Task.FromResult(new PluginDetail { Summary = new PluginSummary { Id = request.Id, Status = PluginStatus.Disabled } })
            : throw DisableFailure
                ?? new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, $"{request.Id} is installed; allowed: uninstall."));
    }

    public override Task<PluginHealth> GetPluginHealth(GetPluginHealthRequest request, ServerCallContext context)
    {
        Requests.Add(request);
        return Task.FromResult(new PluginHealth { PluginId = request.Id, State = HealthState.Degraded, Monitoring = "probe:http" });
    }

    public override Task<UpgradePreview> PreviewUpgrade(UpgradePluginRequest request, ServerCallContext context)
    {
        Requests.Add(request);
        return Task.FromResult(new UpgradePreview { Diff = new PermissionDiff { RequiresApproval = true, Lines = { "+ trait handles_phi" } } });
    }

    public override Task<PluginDetail> UpgradePlugin(UpgradePluginRequest request, ServerCallContext context)
    {
        Requests.Add(request);
        return request.ApprovePermissions
            ? Task.FromResult(new PluginDetail { PinnedVersion = "2.0.0" })
            : throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, "The upgrade adds permissions; approve them."));
    }

    public override Task<PluginDetail> RollbackPlugin(RollbackPluginRequest request, ServerCallContext context)
    {
        Requests.Add(request);
        return Task.FromResult(new PluginDetail { PinnedVersion = request.Version });
    }
}

/// <summary>Answers like the registry's audit log would for the cases under test and records what the console sent.</summary>
internal sealed class AuditLogStandIn : AuditLog.AuditLogBase
{
    public List<string> Authorizations { get; } = [];

    public List<QueryAuditRequest> Queries { get; } = [];

    public List<ExportAuditRequest> Exports { get; } = [];

    public QueryAuditResponse Page { get; set; } = new();

    public List<string> ExportChunks { get; } = [];

    public VerifyAuditResponse Verdict { get; set; } = new();

    /// <summary>When set, the export fails with it after the chunks were sent.</summary>
    public RpcException? ExportBreaksWith { get; set; }

    public override Task<QueryAuditResponse> QueryAudit(QueryAuditRequest request, ServerCallContext context)
    {
        Authorizations.Add(context.RequestHeaders.GetValue("authorization") ?? string.Empty);
        Queries.Add(request);
        return Task.FromResult(Page);
    }

    public override async Task ExportAudit(ExportAuditRequest request, IServerStreamWriter<ExportAuditChunk> responseStream, ServerCallContext context)
    {
        Authorizations.Add(context.RequestHeaders.GetValue("authorization") ?? string.Empty);
        Exports.Add(request);
        foreach (var chunk in ExportChunks)
        {
            await responseStream.WriteAsync(new ExportAuditChunk { Data = ByteString.CopyFromUtf8(chunk) }, context.CancellationToken);
        }

        if (ExportBreaksWith is not null)
        {
            throw ExportBreaksWith;
        }
    }

    public override Task<VerifyAuditResponse> VerifyAudit(VerifyAuditRequest request, ServerCallContext context)
    {
        Authorizations.Add(context.RequestHeaders.GetValue("authorization") ?? string.Empty);
        return Task.FromResult(Verdict);
    }
}
