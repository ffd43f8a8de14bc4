using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Policy.V1;
using Fabrix.Core.Registry.Policy;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Registry.Tests.Policy;

/// <summary>
/// Two registry replicas (A and B) on one database and one NATS server, both trusting the service key of
/// <see cref="ServiceName"/> (and of <see cref="OtherServiceName"/>), plus the test host's own instance for
/// administration. Also an untrusted key, to sign tokens the registry must refuse.
/// </summary>
public sealed class PolicyReplicas(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    public const string ServiceName = "core-gateway";
    public const string OtherServiceName = "core-proxy";
    private string? _keys;

    public RegistryHost Host { get; } = new(postgres, nats);

    public GrpcChannel A { get; private set; } = null!;

    public GrpcChannel B { get; private set; } = null!;

    public RegistryFactory FactoryA { get; private set; } = null!;

    public ECDsaSecurityKey ServiceKey { get; private set; } = null!;

    public ECDsaSecurityKey OtherServiceKey { get; private set; } = null!;

    public ECDsaSecurityKey UntrustedKey { get; private set; } = null!;

    public static PolicyService.PolicyServiceClient WatcherOf(GrpcChannel channel) => new(channel);

    public async ValueTask InitializeAsync()
    {
        await Host.InitializeAsync();
        _keys = Directory.CreateTempSubdirectory("fabrix-policy-keys-").FullName;
        var settings = Host.Settings();
        // Far longer than any wait in the tests: a change reaches another replica's watchers only through NATS.
        settings["Fabrix:Registry:Policy:HeartbeatInterval"] = "00:01:00";
        foreach (var service in new[] { ServiceName, OtherServiceName })
        {
            var keyFile = ServiceToken.EnsureKeyFile(Path.Combine(_keys, $"{service}.pem"));
            settings[$"Fabrix:Registry:ServiceIdentity:TrustedServices:{service}"] = ServiceToken.WritePublicKeyFile(keyFile, Path.Combine(_keys, $"{service}.pub.pem"));
        }

        ServiceKey = ServiceToken.LoadKey(Path.Combine(_keys, $"{ServiceName}.pem"));
        OtherServiceKey = ServiceToken.LoadKey(Path.Combine(_keys, $"{OtherServiceName}.pem"));
        UntrustedKey = ServiceToken.LoadKey(ServiceToken.EnsureKeyFile(Path.Combine(_keys, "untrusted.pem")));
        (FactoryA, A) = Host.Start(settings);
        RegistryFactory factoryB;
        (factoryB, B) = Host.Start(settings);
        // Both replicas hear each other's changes from here on (a notification published before would be lost).
        foreach (var factory in new[] { FactoryA, factoryB })
        {
            await factory.Services.GetRequiredService<PolicyFeed>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        if (_keys is not null && Directory.Exists(_keys))
        {
            Directory.Delete(_keys, recursive: true);
        }
    }

    /// <summary>A service token for <paramref name="name"/> signed with <paramref name="key"/> (by default this service's own).</summary>
    public Metadata ServiceHeaders(ECDsaSecurityKey? key = null, string name = ServiceName, TimeProvider? clock = null, TimeSpan? lifetime = null) => new()
    {
        { "authorization", $"Bearer {ServiceToken.Mint(key ?? ServiceKey, name, clock ?? TimeProvider.System, lifetime ?? TimeSpan.FromMinutes(4))}" },
    };

    /// <summary>The next message that is not a heartbeat, waiting at most 15 s.</summary>
    public static async Task<PolicyMessage> NextAsync(AsyncServerStreamingCall<PolicyMessage> call, CancellationToken cancellationToken, bool skipHeartbeats = true)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        while (true)
        {
            Assert.True(await call.ResponseStream.MoveNext(timeout.Token), "the policy stream ended");
            var message = call.ResponseStream.Current;
            if (!skipHeartbeats || message.KindCase != PolicyMessage.KindOneofCase.Heartbeat)
            {
                return message;
            }
        }
    }
}
