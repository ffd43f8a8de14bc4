using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Cli.Tests.Plugins;

/// <summary>
/// An in-process RegistryAdmin that answers the version, upgrade, rollback and cascade calls with fixed replies and
/// records what the CLI sent, so the CLI's side of issue 3's contract is observable without a registry.
/// </summary>
internal sealed class VersionsRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;

    private VersionsRegistry(WebApplication app, VersionsRegistryAdmin admin)
    {
        _app = app;
        Admin = admin;
    }

    public VersionsRegistryAdmin Admin { get; }

    public static Uri Address { get; } = new("http://registry.test");

    public static async Task<VersionsRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddGrpc();
        var admin = new VersionsRegistryAdmin();
        builder.Services.AddSingleton(admin);
        var app = builder.Build();
        app.MapGrpcService<VersionsRegistryAdmin>();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new VersionsRegistry(app, admin);
    }

    public GrpcChannel OpenChannel(Uri address) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = _app.GetTestServer().CreateHandler() });

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

internal sealed class VersionsRegistryAdmin : RegistryAdmin.RegistryAdminBase
{
    public const string Digest100 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    public const string Digest110 = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    /// <summary>When true, PreviewUpgrade reports a diff that needs approval.</summary>
    public bool DiffNeedsApproval { get; set; }

    public List<object> Requests { get; } = [];

    public override Task<ListPluginVersionsResponse> ListPluginVersions(ListPluginVersionsRequest request, ServerCallContext context)
    {
        Record(request);
        if (request.Id != "user-management")
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Plugin '{request.Id}' is not installed."));
        }

        var response = new ListPluginVersionsResponse();
        response.Versions.Add(Version("1.1.0", Digest110, "user:ada", pinned: false, day: 3));
        response.Versions.Add(Version("1.0.0", Digest100, "user:morgan", pinned: true, day: 2));
        return Task.FromResult(response);
    }

    public override Task<UpgradePreview> PreviewUpgrade(UpgradePluginRequest request, ServerCallContext context)
    {
        Record(request);
        var preview = new UpgradePreview
        {
            Diff = new PermissionDiff { FromVersion = "1.0.0", ToVersion = "1.1.0", RequiresApproval = DiffNeedsApproval },
            PlatformCompatible = true,
        };
        preview.Diff.Lines.Add(DiffNeedsApproval ? ["+ domain api.example.com", "- endpoint user_info /api/users/{id}"] : ["~ resources.memory_limit 256 → 512"]);
        return Task.FromResult(preview);
    }

    public override Task<PluginDetail> UpgradePlugin(UpgradePluginRequest request, ServerCallContext context)
    {
        Record(request);
        return Task.FromResult(Pinned("1.1.0", Digest110, "upgraded to 1.1.0; must register again"));
    }

    public override Task<PluginDetail> RollbackPlugin(RollbackPluginRequest request, ServerCallContext context)
    {
        Record(request);
        if (request.Version == "0.9.0")
        {
            throw new RpcException(new Status(StatusCode.NotFound, "Version '0.9.0' of 'user-management' is not installed; installed versions: 1.1.0, 1.0.0."));
        }

        return Task.FromResult(Pinned(request.Version, Digest100, $"rolled back to {request.Version}; must register again ({request.Reason})"));
    }

    public override Task<PluginDetail> DisablePlugin(PluginTransitionRequest request, ServerCallContext context)
    {
        Record(request);
        if (!request.Cascade)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"Cannot disable '{request.Id}': active plugins depend on it: billing. Disable them first, or ask for a cascade."));
        }

        var detail = Pinned("1.0.0", Digest100, "disabled by an administrator");
        detail.Summary.Status = PluginStatus.Disabled;
        detail.Dependents.Add("billing");
        return Task.FromResult(detail);
    }

    private void Record(object request)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }
    }

    private static PluginVersionInfo Version(string version, string digest, string by, bool pinned, int day) => new()
    {
        Version = version,
        ManifestDigest = digest,
        InstalledBy = by,
        Pinned = pinned,
        InstalledAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 1, day, 3, 4, 5, TimeSpan.Zero)),
    };

    private static PluginDetail Pinned(string version, string digest, string reason)
    {
        var detail = new PluginDetail
        {
            Summary = new PluginSummary { Id = "user-management", Name = "User Management", Version = version, Status = PluginStatus.Installed },
            PinnedVersion = version,
            ManifestDigest = digest,
            EnableOnRegister = true,
        };
        detail.History.Add(new LifecycleEvent { FromStatus = PluginStatus.Active, ToStatus = PluginStatus.Installed, Actor = "user:morgan", Reason = reason });
        return detail;
    }
}
