using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fabrix.Contracts.Manifests;
using Fabrix.Contracts.Registry.V1;
using Fabrix.Core.Proxy.Tests.Infrastructure;
using Fabrix.Plugins.Sdk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fabrix.Core.Proxy.Tests.Tunnels;

/// <summary>
/// The plugin SDK's egress client (<see cref="FabrixEgressClientExtensions.AddFabrixEgressClient(IServiceCollection, string)"/>)
/// against the real Core.Proxy (issue 12 section 4): an https URL goes through a real CONNECT tunnel to a TLS origin on
/// loopback (allowed by the proxy's test-only allowance, named through the test's DNS), TLS end to end with a
/// self-signed certificate the client trusts through its TLS options; a refused tunnel is an
/// <see cref="EgressRefusedException"/> with the proxy's reason; an origin's fake refusal header is no refusal. The
/// plugin's token is a real one from the registry; the SDK's registration itself is tested with the SDK.
/// </summary>
public sealed class EgressClientThroughTunnelTests(ProxyPlatform platform) : IClassFixture<ProxyPlatform>, IAsyncLifetime
{
    private const string SecureHost = "secure.receiver.test";
    private const string Client = "hooks";
    private X509Certificate2 _certificate = null!;
    private WebApplication _origin = null!;
    private int _originPort;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _certificate = SelfSigned(SecureHost);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(_certificate)));
        _origin = builder.Build();
        _origin.MapGet("/secure", (HttpContext context) => TypedResults.Text($"tls={context.Request.IsHttps} host={context.Request.Host.Host}"));
        await _origin.StartAsync(Ct);
        _originPort = new Uri(_origin.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
        platform.Names.Set(SecureHost, IPAddress.Loopback);
    }

    public async ValueTask DisposeAsync()
    {
        await _origin.DisposeAsync();
        _certificate.Dispose();
    }

    [Fact]
    public async Task HttpsUrl_AllowlistedHost_TlsEndToEndThroughARealTunnel()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(SecureHost);
        await using var services = EgressClientServices(id, token, trustOrigin: true);

        var body = await Http(services).GetStringAsync(new Uri($"https://{SecureHost}:{_originPort}/secure"), Ct);

        Assert.Equal($"tls=True host={SecureHost}", body);
        await platform.AssertAuditedAsync(id, "lane.proxy.connect", "succeeded", "allowed");
    }

    [Fact]
    public async Task HttpsUrl_OriginCertificateNotTrusted_FailsTheHandshake()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(SecureHost);
        await using var services = EgressClientServices(id, token, trustOrigin: false);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Http(services).GetStringAsync(new Uri($"https://{SecureHost}:{_originPort}/secure"), Ct));

        Assert.Equal(HttpRequestError.SecureConnectionError, error.HttpRequestError);
    }

    [Fact]
    public async Task HttpsUrl_NotAllowlisted_EgressRefusedWithTheReasonCode()
    {
        var (id, token) = await platform.InstallEgressPluginAsync("api.example.com");
        await using var services = EgressClientServices(id, token, trustOrigin: true);

        var refused = await Assert.ThrowsAsync<EgressRefusedException>(() => Http(services).GetAsync(new Uri($"https://{SecureHost}:{_originPort}/secure"), Ct));

        Assert.Equal((403, "not_allowlisted", $"{SecureHost}:{_originPort}"), (refused.StatusCode, refused.ReasonCode, refused.Target));
        await platform.AssertAuditedAsync(id, "lane.proxy.connect", "refused", "not_allowlisted");
    }

    [Fact]
    public async Task HttpsUrl_MetadataAddress_EgressRefusedAsMetadata()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(SecureHost);
        await using var services = EgressClientServices(id, token, trustOrigin: true);

        var refused = await Assert.ThrowsAsync<EgressRefusedException>(() => Http(services).GetAsync(new Uri("https://169.254.169.254/latest/meta-data/"), Ct));

        Assert.Equal((403, "metadata"), (refused.StatusCode, refused.ReasonCode));
    }

    [Fact]
    public async Task HttpUrl_OriginSendsTheRefusalHeader_AnsweredNotThrown()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        await using var services = EgressClientServices(id, token, trustOrigin: false);

        using var response = await Http(services).GetAsync(platform.Receiver("/fake?status=403&fake-reason=egress_disabled"), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.True(response.Headers.Contains("X-Receiver"));
    }

    private static HttpClient Http(ServiceProvider services) => services.GetRequiredService<IHttpClientFactory>().CreateClient(Client);

    /// <summary>The egress client as a plugin adds it, pointed at the real proxy, holding <paramref name="token"/>.</summary>
    private ServiceProvider EgressClientServices(string pluginId, string token, bool trustOrigin)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Fabrix:Plugin:ProxyAddress"] = platform.Address.GetLeftPart(UriPartial.Authority) })
            .Build());
        services.AddSingleton<IFabrixPlugin>(new RegisteredPlugin(pluginId, token));
        services.AddFabrixEgressClient(Client, trustOrigin ? TrustOnly(_certificate) : null);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    /// <summary>Trusts exactly this self-signed certificate as the root (no system roots, no revocation check: nothing to ask offline).</summary>
    private static Action<SslClientAuthenticationOptions> TrustOnly(X509Certificate2 certificate) => tls =>
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(certificate);
        tls.CertificateChainPolicy = policy;
    };

    private static X509Certificate2 SelfSigned(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        // Re-imported so the private key is usable by the TLS server on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>A plugin that is registered and holds a token the real registry issued.</summary>
    private sealed class RegisteredPlugin(string pluginId, string token) : IFabrixPlugin
    {
        private readonly PluginToken _token = new(token, "test", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));

        public event EventHandler<PluginRegistration>? RegistrationChanged
        {
            add { }
            remove { }
        }

        public string PluginId => pluginId;

        public PluginManifest Manifest => throw new NotSupportedException("Egress clients do not read the manifest.");

        public string ManifestJson => throw new NotSupportedException("Egress clients do not read the manifest.");

        public PluginRegistration Registration => new(PluginRegistrationState.Registered, PluginStatus.Active, _token, _token.ReceivedAt, null);

        public PluginToken? Token => _token;

        public TimeSpan Uptime => TimeSpan.Zero;

        public Task<PluginRegistration> WaitForRegistrationAsync(CancellationToken cancellationToken = default) => Task.FromResult(Registration);
    }
}
