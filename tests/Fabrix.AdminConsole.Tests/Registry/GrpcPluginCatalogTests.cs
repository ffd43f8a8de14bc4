using System.Net;
using System.Security.Claims;
using Fabrix.AdminConsole.Authentication;
using Fabrix.AdminConsole.Registry;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
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
    private readonly RegistryStandIn _registry = new();
    private WebApplication? _server;
    private WebApplication? _console;
    private string _keyFile = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _keyFile = DevelopmentAdminToken.EnsureKeyFile(Path.Combine(_folder, "dev-admin.pem"));

        var server = WebApplication.CreateSlimBuilder();
        server.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        server.Services.AddGrpc();
        server.Services.AddSingleton(_registry);
        _server = server.Build();
        _server.MapGrpcService<RegistryStandIn>();
        await _server.StartAsync(TestContext.Current.CancellationToken);
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        // The console's own registrations, with ServiceDefaults as in Program.cs, minus the web server.
        var console = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        console.Configuration["services:registry:grpc:0"] = address;
        console.AddServiceDefaults();
        console.AddRegistryClient();
        console.Services.AddSingleton<AuthenticationStateProvider>(new SignedIn("alice", AdminRoles.PluginManager));
        console.Services.AddSingleton<IOptions<ConsoleSignInOptions>>(
            Options.Create(new ConsoleSignInOptions { Mode = ConsoleSignInMode.Development, DevAdminKeyFile = _keyFile }));
        console.Services.AddSingleton<IAdminAccessTokenSource, DevelopmentAdminAccessTokenSource>();
        _console = console.Build();
    }

    [Fact]
    public async Task ListAsync_SignedInAdministrator_SendsTheirDevelopmentTokenAsBearer()
    {
        _registry.Plugins.Add(new PluginSummary { Id = "user-management", Status = PluginStatus.Active });

        var plugins = await Catalog().ListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["user-management"], plugins.Select(p => p.Id));
        var authorization = Assert.Single(_registry.Authorizations);
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
        _registry.Changes.Add(new PluginChange { Kind = PluginChange.Types.Kind.Snapshot, Plugin = new PluginSummary { Id = "a" } });
        _registry.Changes.Add(new PluginChange { Kind = PluginChange.Types.Kind.Upserted, Plugin = new PluginSummary { Id = "b" } });
        _registry.Changes.Add(new PluginChange { Kind = PluginChange.Types.Kind.Removed, Plugin = new PluginSummary { Id = "a" } });

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
        _registry.InstallFailure = new Status
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
            () => Catalog().DisableAsync("user-management", "maintenance", TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.FailedPrecondition, refusal.Status);
        Assert.Equal("user-management is installed; allowed: uninstall.", refusal.Message);
        Assert.Equal("user-management maintenance", Assert.Single(_registry.Transitions));
    }

    [Fact]
    public void RegistryClient_WithServiceDefaults_HasNoResilienceHandlerToCutTheStream()
    {
        var handler = _console!.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(nameof(RegistryAdmin.RegistryAdminClient));

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

    private sealed class SignedIn(string name, params string[] roles) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim("name", name), .. roles.Select(r => new Claim(DevelopmentAdminToken.RolesClaim, r))],
                "test",
                "name",
                DevelopmentAdminToken.RolesClaim))));
    }

    /// <summary>Answers like the registry would for these cases and records what the console sent.</summary>
    internal sealed class RegistryStandIn : RegistryAdmin.RegistryAdminBase
    {
        public List<string> Authorizations { get; } = [];

        public List<PluginSummary> Plugins { get; } = [];

        public List<PluginChange> Changes { get; } = [];

        public List<string> Transitions { get; } = [];

        public RpcException? InstallFailure { get; set; }

        public override Task<ListPluginsResponse> ListPlugins(ListPluginsRequest request, ServerCallContext context)
        {
            Authorizations.Add(context.RequestHeaders.GetValue("authorization") ?? string.Empty);
            return Task.FromResult(new ListPluginsResponse { Plugins = { Plugins } });
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
            Transitions.Add($"{request.Id} {request.Reason}");
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, $"{request.Id} is installed; allowed: uninstall."));
        }
    }
}
