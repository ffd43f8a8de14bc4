using Fabrix.Contracts.Manifests;
using Fabrix.Core.Registry.Health;

namespace Fabrix.Core.Registry.Tests.Health;

public sealed class HealthProbeSpecTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5300", "http", 8000, "/health", "Http", "http://127.0.0.1:8000/health")]
    [InlineData("http://127.0.0.1:5300/", "http", 5300, "/api/health", "Http", "http://127.0.0.1:5300/api/health")]
    [InlineData("https://users.plugins.example:443/base", "http", 9000, "/healthz", "Http", "http://users.plugins.example:9000/healthz")]
    [InlineData("http://[::1]:5300", "http", 8001, "/health", "Http", "http://[::1]:8001/health")]
    [InlineData("http://127.0.0.1:5300", "grpc", 5301, null, "Grpc", "http://127.0.0.1:5301/")]
    public void Resolve_AddressAndHealthCheck_HostFromAddressPortAndPathFromManifest(string address, string type, int port, string? path, string kind, string expected)
    {
        var spec = HealthProbeSpec.Resolve(address, new ManifestHealthCheck(type, port, path), out var problem);

        Assert.Null(problem);
        Assert.Equal((kind, expected), (spec!.Kind.ToString(), spec.Endpoint.AbsoluteUri));
    }

    [Theory]
    [InlineData(null, "no registered address")]
    [InlineData("not a url", "is not an absolute http(s) URL")]
    [InlineData("ftp://127.0.0.1", "is not an absolute http(s) URL")]
    public void Resolve_UnusableAddress_ExplainsWhy(string? address, string expected)
    {
        var spec = HealthProbeSpec.Resolve(address, new ManifestHealthCheck("http", 8000, "/health"), out var problem);

        Assert.Null(spec);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http", "probe:http")]
    [InlineData("grpc", "probe:grpc")]
    [InlineData(null, "heartbeat")]
    public void Monitoring_ByHealthCheck_UsesTheContractNames(string? type, string expected)
    {
        var target = new HealthTarget("p", "http://127.0.0.1:1", type is null ? null : new ManifestHealthCheck(type, 80, "/health"), HealthStatus.Unknown, null);

        Assert.Equal(expected, target.Monitoring());
    }
}
