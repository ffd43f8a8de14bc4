using System.Security.Cryptography;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Nats;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Contracts.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.AppHost.Tests.Hosting;

/// <summary>Issue 9 section 6: a lane is one line in Platform.cs, and that line gives it a service identity the registry trusts.</summary>
public sealed class LaneIdentityTests
{
    private const int Offset = 11;

    [Fact]
    public async Task AddFabrixLane_Environment_NamesTheServiceItsKeyAndTheRegistrysGrpcAddress()
    {
        using var platform = LaneModel(out _);

        var lane = await platform.EnvironmentAsync("core-gateway");

        Assert.Equal("core-gateway", lane[LaneExtensions.IdentityNameVariable]);
        Assert.Equal(platform.Layout.DataPath("keys/core-gateway.pem"), lane[LaneExtensions.IdentityKeyPathVariable]);
        Assert.Equal($"http://127.0.0.1:{5101 + Offset}", lane[LaneExtensions.RegistryAddressVariable]);
        Assert.StartsWith("nats://", lane["ConnectionStrings__nats"], StringComparison.Ordinal);
        Assert.Equal($"http://127.0.0.1:{5300 + Offset}", lane["Kestrel__Endpoints__Http__Url"]);
    }

    [Fact]
    public async Task AddFabrixLane_Registry_TrustsThePublicHalfOfTheLanesKey()
    {
        using var platform = LaneModel(out _);
        var lane = await platform.EnvironmentAsync("core-gateway");

        var registry = await platform.EnvironmentAsync("registry");

        var publicKeyFile = registry[LaneExtensions.TrustedServiceVariable("core-gateway")]!;
        Assert.Equal(platform.Layout.DataPath("keys/core-gateway.pub.pem"), publicKeyFile);
        var token = ServiceToken.Mint(ServiceToken.LoadKey(lane[LaneExtensions.IdentityKeyPathVariable]!), "core-gateway", TimeProvider.System, TimeSpan.FromMinutes(1));
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(await File.ReadAllTextAsync(publicKeyFile, TestContext.Current.CancellationToken));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidateIssuer = false,
            ValidAudience = ServiceToken.Audience,
            IssuerSigningKey = new ECDsaSecurityKey(publicKey),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.DoesNotContain("PRIVATE", await File.ReadAllTextAsync(publicKeyFile, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public void AddFabrixLane_Graph_WaitsForTheRegistryAndNats()
    {
        using var platform = LaneModel(out var lane);

        var waits = lane.Resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Order(StringComparer.Ordinal);

        Assert.Equal(["nats", "registry"], waits);
    }

    [Fact]
    public void WithLaneIdentity_NameThatIsNotAServiceName_IsRefused()
    {
        using var platform = new PlatformModel(Offset);
        var registry = platform.Builder.CreateResourceBuilder(platform.Resource<ProjectResource>("registry"));
        var lane = platform.Builder.AddFabrixProject<Projects.Fabrix_Plugins_Samples_UserManagement>("CoreGateway");

        var error = Assert.Throws<ArgumentException>(() => lane.WithLaneIdentity(registry, platform.Layout));

        Assert.Contains("[a-z0-9-]", error.Message, StringComparison.Ordinal);
    }

    private static PlatformModel LaneModel(out IResourceBuilder<ProjectResource> lane)
    {
        var platform = new PlatformModel(Offset);
        var registry = platform.Builder.CreateResourceBuilder(platform.Resource<ProjectResource>("registry"));
        var nats = platform.Builder.CreateResourceBuilder(platform.Resource<FabrixNatsResource>("nats"));
        // Any project stands in for a lane here: none exists yet (issues 10-12 add them).
        lane = platform.Builder.AddFabrixLane<Projects.Fabrix_Plugins_Samples_UserManagement>("core-gateway", platform.Layout.Port(5300), registry, nats,
            platform.Layout);
        return platform;
    }
}
