using Fabrix.AdminConsole.Registry;
using Fabrix.AdminConsole.Tests.Support;
using Fabrix.Contracts.Errors;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Status = Google.Rpc.Status;

namespace Fabrix.AdminConsole.Tests.Registry;

/// <summary>
/// The console's gRPC client wiring against a registry stand-in served over h2c by Kestrel on a real port: the
/// bearer token of the signed-in administrator, the change stream, and how refusals come back. The registry's own
/// behaviour is covered by its integration tests and the end-to-end tests.
/// </summary>
public sealed class GrpcPluginCatalogTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fabrix-console-grpc-").FullName;
    private RegistryStandInServer? _server;
    private WebApplication? _console;
    private string _keyFile = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _keyFile = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_folder, "dev-admin.pem"));
        _server = await RegistryStandInServer.StartAsync(TestContext.Current.CancellationToken);
        _console = ConsoleServices.Build(_server.Address, _keyFile, "alice", AdminRoles.PluginManager);
    }

    [Fact]
    public async Task ListPageAsync_SignedInAdministrator_SendsTheirDevelopmentTokenAsBearer()
    {
        _server!.Registry.Plugins.Add(new PluginSummary { Id = "user-management", Status = PluginStatus.Active });

        var page = await Catalog().ListPageAsync(new ListPluginsRequest(), TestContext.Current.CancellationToken);

        Assert.Equal(["user-management"], page.Plugins.Select(p => p.Id));
        var authorization = Assert.Single(_server!.Registry.Authorizations);
        Assert.StartsWith("Bearer ", authorization, StringComparison.Ordinal);
        var parameters = DevelopmentAdminToken.ValidationParameters(DevelopmentAdminToken.LoadKey(_keyFile));
        var token = await new JsonWebTokenHandler().ValidateTokenAsync(authorization["Bearer ".Length..], parameters);
        Assert.True(token.IsValid, token.Exception?.Message);
        Assert.Equal("alice", token.ClaimsIdentity.Name);
        Assert.Equal([AdminRoles.PluginManager], token.ClaimsIdentity.FindAll(DevelopmentAdminToken.RolesClaim).Select(c => c.Value));
    }

    [Fact]
    public async Task WatchAsync_RegistryWritesChanges_YieldsThemInOrder()
    {
        _server!.Registry.Changes.Add(new PluginChange { Kind = PluginChange.Types.Kind.Snapshot, Plugin = new PluginSummary { Id = "a" } });
        _server!.Registry.Changes.Add(new PluginChange { Kind = PluginChange.Types.Kind.Upserted, Plugin = new PluginSummary { Id = "b" } });
        _server!.Registry.Changes.Add(new PluginChange { Kind = PluginChange.Types.Kind.Removed, Plugin = new PluginSummary { Id = "a" } });

        var received = new List<string>();
        await foreach (var change in Catalog().WatchAsync(TestContext.Current.CancellationToken))
        {
            received.Add($"{change.Kind} {change.Plugin.Id}");
        }

        Assert.Equal(["Snapshot a", "Upserted b", "Removed a"], received);
    }

    [Fact]
    public async Task InstallAsync_RegistryRejectsTheManifest_ReportsItsFieldViolationsByJsonPath()
    {
        _server!.Registry.InstallFailure = new Status
        {
            Code = (int)Code.InvalidArgument,
            Message = "The manifest is invalid.",
            Details =
            {
                Any.Pack(new BadRequest
                {
                    FieldViolations =
                    {
                        new BadRequest.Types.FieldViolation { Field = "$.id", Description = "The plugin id is not valid." },
                        new BadRequest.Types.FieldViolation { Field = "$.traits[0]", Description = "The trait 'root' is reserved." },
                    },
                }),
            },
        }.ToRpcException();

        var refusal = await Assert.ThrowsAsync<RegistryException>(
            () => Catalog().InstallAsync("{}", enableOnRegister: false, TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.InvalidArgument, refusal.Status);
        Assert.Equal("The manifest is invalid.", refusal.Message);
        Assert.Equal(["$.id", "$.traits[0]"], refusal.Violations.Select(v => v.Path));
        Assert.Equal("The trait 'root' is reserved.", refusal.Violations[1].Message);
    }

    [Fact]
    public async Task DisableAsync_TransitionRefused_CarriesTheRegistrysMessage()
    {
        var refusal = await Assert.ThrowsAsync<RegistryException>(
            () => Catalog().DisableAsync("user-management", "maintenance", cascade: false, TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.FailedPrecondition, refusal.Status);
        Assert.Equal("user-management is installed; allowed: uninstall.", refusal.Message);
        Assert.Equal(string.Empty, refusal.Reason);
        Assert.Equal("user-management maintenance", Assert.Single(_server!.Registry.Transitions));
    }

    [Fact]
    public async Task DisableAsync_RefusedForActiveDependents_CarriesTheRefusalCode()
    {
        _server!.Registry.DisableFailure = new Status
        {
            Code = (int)Code.FailedPrecondition,
            Message = "Cannot disable 'user-management': active plugins depend on it: billing.",
            Details = { Any.Pack(new ErrorInfo { Reason = "ACTIVE_DEPENDENTS", Domain = "registry.fabrix" }) },
        }.ToRpcException();

        var refusal = await Assert.ThrowsAsync<RegistryException>(
            () => Catalog().DisableAsync("user-management", "retire", cascade: false, TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.FailedPrecondition, refusal.Status);
        Assert.Equal(RefusalCodes.ActiveDependents, refusal.Reason);
        Assert.Equal("Cannot disable 'user-management': active plugins depend on it: billing.", refusal.Message);
    }

    [Fact]
    public async Task DisableAsync_Cascade_AsksTheRegistryToCascade()
    {
        var detail = await Catalog().DisableAsync("billing", "retire", cascade: true, TestContext.Current.CancellationToken);

        Assert.Equal(PluginStatus.Disabled, detail.Summary.Status);
        Assert.Equal("billing retire cascade", Assert.Single(_server!.Registry.Transitions));
    }

    [Fact]
    public async Task GetHealthAsync_SampleLimit_IsSentWithThePluginId()
    {
        var health = await Catalog().GetHealthAsync("user-management", 100, TestContext.Current.CancellationToken);

        Assert.Equal(HealthState.Degraded, health.State);
        var request = Assert.IsType<GetPluginHealthRequest>(Assert.Single(_server!.Registry.Requests));
        Assert.Equal("user-management", request.Id);
        Assert.Equal(100, request.SampleLimit);
    }

    [Fact]
    public async Task UpgradeAsync_Approved_SendsTheManifestApprovalAndReason()
    {
        var detail = await Catalog().UpgradeAsync("{\"id\":\"user-management\"}", approvePermissions: true, "new traits reviewed", TestContext.Current.CancellationToken);

        Assert.Equal("2.0.0", detail.PinnedVersion);
        var request = Assert.IsType<UpgradePluginRequest>(Assert.Single(_server!.Registry.Requests));
        Assert.Equal("{\"id\":\"user-management\"}", request.ManifestJson);
        Assert.True(request.ApprovePermissions);
        Assert.Equal("new traits reviewed", request.Reason);
    }

    [Fact]
    public async Task RollbackAsync_Version_IsSentWithThePluginIdAndReason()
    {
        var detail = await Catalog().RollbackAsync("user-management", "1.0.0", "2.0.0 fails", TestContext.Current.CancellationToken);

        Assert.Equal("1.0.0", detail.PinnedVersion);
        var request = Assert.IsType<RollbackPluginRequest>(Assert.Single(_server!.Registry.Requests));
        Assert.Equal(("user-management", "1.0.0", "2.0.0 fails"), (request.Id, request.Version, request.Reason));
    }

    [Fact]
    public async Task ListPageAsync_PageSizeAndToken_AreSentAndTheNextTokenComesBack()
    {
        _server!.Registry.NextPageToken = "opaque-2";

        var page = await Catalog().ListPageAsync(
            new ListPluginsRequest { PageSize = 50, PageToken = "opaque-1" }, TestContext.Current.CancellationToken);

        Assert.Equal("opaque-2", page.NextPageToken);
        var request = Assert.IsType<ListPluginsRequest>(Assert.Single(_server!.Registry.Requests));
        Assert.Equal((50, "opaque-1"), (request.PageSize, request.PageToken));
    }

    [Fact]
    public async Task RotateCredentialAsync_IdAndReason_AreSentAndTheSecretComesBack()
    {
        var response = await Catalog().RotateCredentialAsync("user-management", "leaked", TestContext.Current.CancellationToken);

        Assert.Equal("fxrc_c9_s3cret", response.Credential.Secret);
        var request = Assert.IsType<RegistrationCredentialRequest>(Assert.Single(_server!.Registry.Requests));
        Assert.Equal(("user-management", "leaked"), (request.Id, request.Reason));
    }

    [Fact]
    public async Task RevokeCredentialAsync_IdAndReason_AreSent()
    {
        await Catalog().RevokeCredentialAsync("user-management", "compromised", TestContext.Current.CancellationToken);

        var request = Assert.IsType<RegistrationCredentialRequest>(Assert.Single(_server!.Registry.Requests));
        Assert.Equal(("user-management", "compromised"), (request.Id, request.Reason));
    }

    [Fact]
    public async Task AnyCall_RegistryAnswersUnavailable_CarriesTheRegistrysSentence()
    {
        _server!.Registry.Failure = new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "The registry cannot reach its database; retrying."));

        var failure = await Assert.ThrowsAsync<RegistryException>(
            () => Catalog().RotateCredentialAsync("user-management", "leaked", TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.Unavailable, failure.Status);
        Assert.Equal("The registry cannot reach its database; retrying.", failure.Message);
    }

    [Fact]
    public async Task AnyCall_NothingListensAtTheRegistryAddress_SaysSoInAPlainSentence()
    {
        // A port that was free a moment ago: the connection is refused, as when the registry is down.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var console = ConsoleServices.Build($"http://127.0.0.1:{port}", _keyFile, "alice", AdminRoles.PluginManager);
        var catalog = console.Services.CreateScope().ServiceProvider.GetRequiredService<IPluginCatalog>();

        var failure = await Assert.ThrowsAsync<RegistryException>(
            () => catalog.ListPageAsync(new ListPluginsRequest(), TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.Unavailable, failure.Status);
        Assert.Equal(RegistryException.UnreachableMessage, failure.Message);
        Assert.IsType<RpcException>(failure.InnerException);
    }

    [Theory]
    [InlineData(nameof(RegistryAdmin.RegistryAdminClient))]
    [InlineData(nameof(AuditLog.AuditLogClient))]
    public void RegistryClient_WithServiceDefaults_HasNoResilienceHandlerToCutTheStreams(string client)
    {
        var handler = _console!.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(client);

        var chain = new List<string>();
        for (HttpMessageHandler? current = handler; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            chain.Add(current.GetType().FullName!);
        }

        Assert.DoesNotContain(chain, name => name.Contains("Resilience", StringComparison.Ordinal));
        Assert.Contains(typeof(SocketsHttpHandler).FullName, chain);
    }

    public async ValueTask DisposeAsync()
    {
        if (_console is not null)
        {
            await _console.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private IPluginCatalog Catalog() => _console!.Services.CreateScope().ServiceProvider.GetRequiredService<IPluginCatalog>();
}
