using Fabrix.AppHost.Tests.Support;
using Fabrix.Contracts.Identity;
using Npgsql;

namespace Fabrix.AppHost.Tests.Model;

/// <summary>Issue 8 section 3: the environment each service is given, every value resolved as the service reads it.</summary>
public sealed class ServiceEnvironmentTests
{
    private const int Offset = 7;

    public static TheoryData<string> Services => ["registry", "gateway", "console", "user-management"];

    [Fact]
    public async Task Registry_ConnectionString_IsTheRegistryDatabaseAsTheSuperuser()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("registry");

        var connection = new NpgsqlConnectionStringBuilder(environment["ConnectionStrings__registry"]);
        Assert.Equal(("127.0.0.1", 5433 + Offset, "postgres", "registry"), (connection.Host, connection.Port, connection.Username, connection.Database));
        Assert.Equal(File.ReadAllText(platform.Layout.DataPath("postgres/.password")).Trim(), connection.Password);
        Assert.False(environment.ContainsKey("ConnectionStrings__usermanagement"));
    }

    [Fact]
    public async Task UserManagement_ConnectionString_ConnectsAsItsOwnRoleWithThePasswordFromItsFile()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("user-management");

        var connection = new NpgsqlConnectionStringBuilder(environment["ConnectionStrings__usermanagement"]);
        Assert.Equal(("127.0.0.1", 5433 + Offset, "usermanagement", "usermanagement"), (connection.Host, connection.Port, connection.Username, connection.Database));
        Assert.Equal(File.ReadAllText(platform.Layout.DataPath("postgres/roles/usermanagement.password")).Trim(), connection.Password);
        Assert.NotEqual(File.ReadAllText(platform.Layout.DataPath("postgres/.password")).Trim(), connection.Password);
    }

    [Fact]
    public async Task UserManagement_KestrelEndpoints_AreHttpAndAnHttp2OnlyGrpcEndpointAtTheShiftedPorts()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("user-management");

        Assert.Equal($"http://127.0.0.1:{5200 + Offset}", environment["Kestrel__Endpoints__Http__Url"]);
        Assert.Equal($"http://127.0.0.1:{5201 + Offset}", environment["Kestrel__Endpoints__Grpc__Url"]);
        Assert.Equal("Http2", environment["Kestrel__Endpoints__Grpc__Protocols"]);
    }

    [Fact]
    public async Task Accounting_GatewayAddress_IsTheGatewaysShiftedHttpEndpoint()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("accounting");

        Assert.Equal($"http://127.0.0.1:{5300 + Offset}", environment["services__gateway__http__0"]);
    }

    [Theory]
    [InlineData("hr")]
    [InlineData("accounting")]
    [InlineData("user-management")]
    public async Task EventPlugins_EventsAddress_IsCoreEventsShiftedGrpcEndpoint(string plugin)
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync(plugin);

        Assert.Equal($"http://127.0.0.1:{5311 + Offset}", environment["services__events__grpc__0"]);
    }

    [Fact]
    public async Task Accounting_Database_IsItsOwnWithItsOwnRole()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("accounting");

        var connection = new NpgsqlConnectionStringBuilder(environment["ConnectionStrings__accounting"]);
        Assert.Equal(("accounting", "accounting"), (connection.Database, connection.Username));
    }

    [Fact]
    public async Task Gateway_GrpcForwarding_HasItsH2cEndpointUserManagementsGrpcAddressAndAccountingCallsIt()
    {
        using var platform = new PlatformModel(Offset);

        var gateway = await platform.EnvironmentAsync("gateway");
        var accounting = await platform.EnvironmentAsync("accounting");

        Assert.Equal($"http://127.0.0.1:{5301 + Offset}", gateway["Kestrel__Endpoints__H2c__Url"]);
        Assert.Equal("Http2", gateway["Kestrel__Endpoints__H2c__Protocols"]);
        Assert.Equal($"http://127.0.0.1:{5201 + Offset}", gateway["Fabrix__Gateway__GrpcTargets__user-management"]);
        Assert.Equal($"http://127.0.0.1:{5301 + Offset}", accounting["Fabrix__Plugin__GatewayGrpcAddress"]);
    }

    [Fact]
    public async Task Proxy_Environment_IsALaneWithTheTestOnlyAllowanceForTheReceiversAddressOnly()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("proxy");
        var registry = await platform.EnvironmentAsync("registry");

        Assert.Equal("proxy", environment["Fabrix__Lanes__Identity__Name"]);
        Assert.Equal("proxy", environment["Fabrix__Lanes__Audit__Service"]);
        Assert.Equal(platform.Layout.DataPath("keys/proxy.pub.pem"), registry["Fabrix__Registry__ServiceIdentity__TrustedServices__proxy"]);
        Assert.Equal("127.0.0.2/32", environment["Fabrix__Proxy__UnsafeTestOnlyAllowedRange"]);
        Assert.Equal("receiver.fabrix.test=127.0.0.2", environment["Fabrix__Proxy__UnsafeTestOnlyHosts__0"]);
        Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
    }

    [Fact]
    public async Task Notifications_ProxyAndReceiver_AreTheShiftedProxyAndTheReceiversName()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("notifications");
        var receiver = await platform.EnvironmentAsync("receiver");

        Assert.Equal($"http://127.0.0.1:{5305 + Offset}", environment["services__proxy__http__0"]);
        Assert.Equal($"http://receiver.fabrix.test:{5405 + Offset}/notify", environment["Notifications__ReceiverUrl"]);
        Assert.Equal($"http://127.0.0.2:{5405 + Offset}", receiver["Kestrel__Endpoints__Internet__Url"]);
    }

    [Fact]
    public async Task Gateway_Environment_IsALaneWithItsIdentityTheRegistrysGrpcAddressAndNats()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("gateway");
        var registry = await platform.EnvironmentAsync("registry");

        Assert.Equal("gateway", environment["Fabrix__Lanes__Identity__Name"]);
        Assert.Equal(platform.Layout.DataPath("keys/gateway.pem"), environment["Fabrix__Lanes__Identity__KeyPath"]);
        Assert.Equal($"http://127.0.0.1:{5101 + Offset}", environment["Fabrix__Lanes__Policy__RegistryAddress"]);
        Assert.Equal("gateway", environment["Fabrix__Lanes__Audit__Service"]);
        Assert.StartsWith("nats://", environment["ConnectionStrings__nats"], StringComparison.Ordinal);
        Assert.Equal(platform.Layout.DataPath("keys/gateway.pub.pem"), registry["Fabrix__Registry__ServiceIdentity__TrustedServices__gateway"]);
        Assert.Equal("gateway", registry["Fabrix__Registry__ServiceIdentity__CallerContextIssuers__0"]);
        Assert.DoesNotContain(environment.Keys, k => k is "ConnectionStrings__registry");
    }

    [Fact]
    public async Task Registry_EventsDeliveryService_IsTheEventsLanesIdentity()
    {
        using var platform = new PlatformModel(Offset);

        var events = await platform.EnvironmentAsync("events");
        var registry = await platform.EnvironmentAsync("registry");

        // Otherwise the registry refuses Core.Events' PushTargets and WebhookTargets reads: no push, no webhook.
        Assert.Equal(("events", "events"), (events["Fabrix__Lanes__Identity__Name"], registry["Fabrix__Registry__Webhooks__DeliveryService"]));
    }

    [Fact]
    public async Task Plugin_Environment_HasNoCoreDatabaseAndNoNats()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("user-management");

        Assert.DoesNotContain(environment.Keys, k => k is "ConnectionStrings__registry" or "ConnectionStrings__nats");
    }

    [Theory]
    [InlineData("console")]
    [InlineData("user-management")]
    public async Task RegistryClients_ServiceDiscovery_PointsAtTheRegistrysShiftedEndpoints(string service)
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync(service);

        Assert.Equal($"http://127.0.0.1:{5101 + Offset}", environment["services__registry__grpc__0"]);
        Assert.Equal($"http://127.0.0.1:{5100 + Offset}", environment["services__registry__http__0"]);
    }

    [Fact]
    public async Task Registry_KestrelEndpoints_AreNamedAndTheGrpcOneSpeaksHttp2Only()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("registry");

        Assert.Equal($"http://127.0.0.1:{5100 + Offset}", environment["Kestrel__Endpoints__Http__Url"]);
        Assert.Equal($"http://127.0.0.1:{5101 + Offset}", environment["Kestrel__Endpoints__Grpc__Url"]);
        Assert.Equal("Http2", environment["Kestrel__Endpoints__Grpc__Protocols"]);
        Assert.False(environment.ContainsKey("Kestrel__Endpoints__Http__Protocols"));
    }

    [Theory]
    [InlineData("console", 5000)]
    [InlineData("gateway", 5300)]
    [InlineData("accounting", 5210)]
    [InlineData("proxy", 5305)]
    [InlineData("notifications", 5225)]
    [InlineData("hr", 5215)]
    [InlineData("receiver", 5405)]
    public async Task HttpOnlyServices_KestrelEndpoint_IsTheShiftedPort(string service, int port)
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync(service);

        Assert.Equal($"http://127.0.0.1:{port + Offset}", environment["Kestrel__Endpoints__Http__Url"]);
        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("Kestrel__Endpoints__Grpc", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Service_Environment_IsDevelopmentWithAShortOtlpTimeoutAndNoAspNetCoreUrls(string service)
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync(service);

        Assert.Equal("1000", environment["OTEL_EXPORTER_OTLP_TIMEOUT"]);
        Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("Development", environment["DOTNET_ENVIRONMENT"]);
        // Kestrel gets its endpoints by name; ASPNETCORE_URLS would add a second, HTTP/1-only listener.
        Assert.False(environment.ContainsKey("ASPNETCORE_URLS"));
    }

    [Theory]
    [InlineData("registry")]
    [InlineData("console")]
    public async Task CoreService_DevelopmentAdminKey_IsThePrivateKeyFile(string service)
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync(service);

        Assert.Equal(platform.Layout.DataPath("keys/dev-admin.pem"), environment[DevelopmentAdminToken.KeyFileEnvironmentVariable]);
        Assert.False(environment.ContainsKey(DevelopmentAdminToken.PublicKeyFileEnvironmentVariable));
    }

    [Fact]
    public async Task Plugin_DevelopmentAdminKey_IsOnlyThePublicKeyFile()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("user-management");

        Assert.Equal(platform.Layout.DataPath("keys/dev-admin.pub.pem"), environment[DevelopmentAdminToken.PublicKeyFileEnvironmentVariable]);
        Assert.False(environment.ContainsKey(DevelopmentAdminToken.KeyFileEnvironmentVariable));
        Assert.DoesNotContain(environment.Values, v => v == platform.Layout.DevAdminKeyFile);
    }

    [Fact]
    public async Task Registry_KeyRingPath_IsAFolderUnderTheDataRoot()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("registry");

        Assert.Equal(platform.Layout.DataPath("registry/keyring"), environment["Fabrix__Registry__KeyRingPath"]);
        Assert.True(Directory.Exists(platform.Layout.DataPath("registry/keyring")));
    }

    [Fact]
    public async Task Console_DevelopmentSignIn_IsEnabled()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("console");

        Assert.Equal("true", environment["Fabrix__DevSignIn__Enabled"]);
    }

    [Fact]
    public async Task Plugin_WithPortOffset_RunsWithACopyOfItsManifestAtItsShiftedAddress()
    {
        using var platform = new PlatformModel(Offset);

        var environment = await platform.EnvironmentAsync("user-management");

        Assert.Equal($"http://127.0.0.1:{5200 + Offset}", environment["Fabrix__Plugin__Address"]);
        Assert.Equal(platform.Layout.DataPath("plugins/user-management/manifest.json"), environment["Fabrix__Plugin__ManifestPath"]);
        Assert.Contains($"\"port\": {5200 + Offset}", File.ReadAllText(environment["Fabrix__Plugin__ManifestPath"]!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plugin_WithoutPortOffset_RunsWithItsOwnManifest()
    {
        using var platform = new PlatformModel(portOffset: 0);

        var environment = await platform.EnvironmentAsync("user-management");

        Assert.Equal("http://127.0.0.1:5200", environment["Fabrix__Plugin__Address"]);
        Assert.False(environment.ContainsKey("Fabrix__Plugin__ManifestPath"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task Registry_PortsInItsEnvironment_FollowThePortOffset(int offset)
    {
        using var platform = new PlatformModel(offset);

        var environment = await platform.EnvironmentAsync("registry");

        Assert.Equal(5433 + offset, new NpgsqlConnectionStringBuilder(environment["ConnectionStrings__registry"]).Port);
        Assert.EndsWith($"@127.0.0.1:{4222 + offset}", environment["ConnectionStrings__nats"], StringComparison.Ordinal);
        Assert.Equal($"http://127.0.0.1:{5101 + offset}", environment["Kestrel__Endpoints__Grpc__Url"]);
    }
}
