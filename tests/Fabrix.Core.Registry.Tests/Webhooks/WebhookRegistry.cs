using Fabrix.Contracts.Events.V1;
using Fabrix.Contracts.Identity;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Fabrix.Core.Registry.Tests.Webhooks;

/// <summary>
/// A registry on the shared PostgreSQL and NATS servers that trusts the service keys of <see cref="DeliveryService"/>
/// (the only one that may read webhook secrets) and of <see cref="OtherService"/>, with a short secret overlap, the
/// loopback test allowance and its own retry, change and replay subjects.
/// </summary>
public sealed class WebhookRegistry(PostgresServer postgres, NatsServer nats) : IAsyncLifetime
{
    public const string DeliveryService = "events";
    public const string OtherService = "core-gateway";
    private string? _keys;

    public RegistryHost Host { get; } = new(postgres, nats);

    public GrpcChannel Channel { get; private set; } = null!;

    public string RetrySubject { get; } = $"fabrix.control.webhooks.retry.{Guid.NewGuid():N}";

    public string ChangedSubject { get; } = $"fabrix.control.webhooks.changed.{Guid.NewGuid():N}";

    public string ReplaySubject { get; } = $"fabrix.control.webhooks.replay.{Guid.NewGuid():N}";

    public ECDsaSecurityKey DeliveryKey { get; private set; } = null!;

    public ECDsaSecurityKey OtherKey { get; private set; } = null!;

    public WebhooksAdmin.WebhooksAdminClient Admin => new(Channel);

    public WebhookTargets.WebhookTargetsClient Targets => new(Channel);

    public Metadata Manager => Host.Manager;

    /// <summary>When set (before <see cref="InitializeAsync"/>), the registry's clock: tests of overlap windows advance it.</summary>
    public TimeProvider? Clock { get; init; }

    public Metadata Viewer => Host.AdminHeaders("vera", AdminRoles.AuditViewer);

    public async ValueTask InitializeAsync()
    {
        await Host.InitializeAsync();
        _keys = Directory.CreateTempSubdirectory("fabrix-webhook-keys-").FullName;
        var settings = Host.Settings();
        foreach (var service in new[] { DeliveryService, OtherService })
        {
            var keyFile = ServiceToken.EnsureKeyFile(Path.Combine(_keys, $"{service}.pem"));
            settings[$"Fabrix:Registry:ServiceIdentity:TrustedServices:{service}"] = ServiceToken.WritePublicKeyFile(keyFile, Path.Combine(_keys, $"{service}.pub.pem"));
        }

        settings["Fabrix:Registry:Webhooks:SecretOverlap"] = "01:00:00";
        settings["Fabrix:Registry:Webhooks:RetrySubject"] = RetrySubject;
        settings["Fabrix:Registry:Webhooks:RetryTimeout"] = "00:00:02";
        settings["Fabrix:Registry:Webhooks:ChangedSubject"] = ChangedSubject;
        settings["Fabrix:Registry:Webhooks:ReplaySubject"] = ReplaySubject;
        settings["Fabrix:Registry:Webhooks:ReplayTimeout"] = "00:00:02";
        settings["Fabrix:Registry:Webhooks:UnsafeTestOnlyAllowedRange"] = "127.0.0.0/8";
        DeliveryKey = ServiceToken.LoadKey(Path.Combine(_keys, $"{DeliveryService}.pem"));
        OtherKey = ServiceToken.LoadKey(Path.Combine(_keys, $"{OtherService}.pem"));
        (_, Channel) = Clock is { } clock
            ? Host.Start(settings, services => services.AddSingleton(clock))
            : Host.Start(settings);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        if (_keys is not null && Directory.Exists(_keys))
        {
            Directory.Delete(_keys, recursive: true);
        }
    }

    public Metadata ServiceHeaders(ECDsaSecurityKey? key = null, string name = DeliveryService) => new()
    {
        { "authorization", $"Bearer {ServiceToken.Mint(key ?? DeliveryKey, name, TimeProvider.System, TimeSpan.FromMinutes(4))}" },
    };

    public async Task<WebhookEndpointWithSecret> AddAsync(string url = "https://hooks.example.com/fabrix", params string[] types)
    {
        var request = new AddWebhookEndpointRequest { Url = url, Description = "test receiver", Reason = "integration test" };
        request.EventTypes.Add(types);
        return await Admin.AddWebhookEndpointAsync(request, Manager, cancellationToken: TestContext.Current.CancellationToken);
    }
}
