using System.Diagnostics.Metrics;
using System.Text;
using Fabrix.Core.Proxy.Egress;
using Fabrix.Core.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Fabrix.Core.Proxy.Tests.Egress;

/// <summary>
/// The proxy's meter (<see cref="ProxyMetrics"/>) on the real platform: requests and their duration by plugin, kind,
/// outcome and reason; response and tunnel bytes by direction; open tunnels.
/// </summary>
public sealed class ProxyMetricsTests(ProxyPlatform platform) : IClassFixture<ProxyPlatform>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IMeterFactory Meters => platform.Proxy.Services.GetRequiredService<IMeterFactory>();

    [Fact]
    public async Task Forward_Allowed_CountsTheRequestItsDurationAndTheResponseBytes()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        using var requests = new MetricCollector<long>(Meters, ProxyMetrics.Name, "fabrix.proxy.requests");
        using var durations = new MetricCollector<double>(Meters, ProxyMetrics.Name, "fabrix.proxy.request.duration");
        using var bytes = new MetricCollector<long>(Meters, ProxyMetrics.Name, "fabrix.proxy.bytes");
        using var client = platform.ProxiedClient(token);

        using var response = await client.GetAsync(platform.Receiver("/metered?size=3000"), Ct);
        await response.Content.ReadAsByteArrayAsync(Ct);

        var request = Assert.Single(Of(requests.GetMeasurementSnapshot(), id));
        Assert.Equal(("http", "allowed", "allowed"), (Tag(request.Tags, "kind"), Tag(request.Tags, "outcome"), Tag(request.Tags, "reason")));
        Assert.Single(Of(durations.GetMeasurementSnapshot(), id));
        var down = Assert.Single(Of(bytes.GetMeasurementSnapshot(), id));
        Assert.Equal((3000L, "down", "http"), (down.Value, Tag(down.Tags, "direction"), Tag(down.Tags, "kind")));
    }

    [Fact]
    public async Task Forward_NotAllowlisted_CountedAsRefusedWithTheReason()
    {
        var (id, token) = await platform.InstallEgressPluginAsync("api.example.com");
        using var requests = new MetricCollector<long>(Meters, ProxyMetrics.Name, "fabrix.proxy.requests");
        using var client = platform.ProxiedClient(token);

        using var response = await client.GetAsync(platform.Receiver("/not-mine"), Ct);

        var request = Assert.Single(Of(requests.GetMeasurementSnapshot(), id));
        Assert.Equal(("http", "refused", "not_allowlisted"), (Tag(request.Tags, "kind"), Tag(request.Tags, "outcome"), Tag(request.Tags, "reason")));
    }

    [Fact]
    public async Task Connect_NoToken_CountedAsRefusedWithoutAPlugin()
    {
        using var requests = new MetricCollector<long>(Meters, ProxyMetrics.Name, "fabrix.proxy.requests");

        var (status, _) = await platform.ConnectAndGetAsync($"{ProxyPlatform.ReceiverHost}:{platform.ReceiverPort}", null, "/never");

        Assert.StartsWith("HTTP/1.1 407", status, StringComparison.Ordinal);
        Assert.Contains(requests.GetMeasurementSnapshot(), m => Tag(m.Tags, "plugin") == "-" && Tag(m.Tags, "kind") == "connect"
            && Tag(m.Tags, "outcome") == "refused" && Tag(m.Tags, "reason") == "token_missing");
    }

    [Fact]
    public async Task Connect_Tunnel_ActiveWhileOpenThenBytesCountedBothWays()
    {
        var (id, token) = await platform.InstallEgressPluginAsync(ProxyPlatform.ReceiverHost);
        using var requests = new MetricCollector<long>(Meters, ProxyMetrics.Name, "fabrix.proxy.requests");
        using var active = new MetricCollector<long>(Meters, ProxyMetrics.Name, "fabrix.proxy.tunnels.active");
        using var bytes = new MetricCollector<long>(Meters, ProxyMetrics.Name, "fabrix.proxy.bytes");
        var (tcp, status, _) = await platform.ConnectAsync($"{ProxyPlatform.ReceiverHost}:{platform.ReceiverPort}", token);
        var request = Encoding.ASCII.GetBytes($"GET /tunnelled?size=2048 HTTP/1.1\r\nHost: {ProxyPlatform.ReceiverHost}\r\nConnection: close\r\n\r\n");
        long received;
        using (tcp)
        {
            Assert.StartsWith("HTTP/1.1 200", status, StringComparison.Ordinal);
            Assert.Equal(1, Of(active.GetMeasurementSnapshot(), id).Sum(m => m.Value));
            var stream = tcp.GetStream();
            await stream.WriteAsync(request, Ct);
            using var answer = new MemoryStream();
            await stream.CopyToAsync(answer, Ct);
            received = answer.Length;
        }

        await Fabrix.Testing.Eventually.UntilAsync(() => Task.FromResult(Of(active.GetMeasurementSnapshot(), id).Sum(m => m.Value) == 0),
            TimeSpan.FromSeconds(30), "the tunnel is counted closed", CancellationToken.None);
        var moved = Of(bytes.GetMeasurementSnapshot(), id).ToDictionary(m => Tag(m.Tags, "direction") ?? "-", m => m.Value);
        Assert.Equal(request.Length, moved["up"]);
        Assert.Equal(received, moved["down"]);
        Assert.True(received > 2048);
        var connect = Assert.Single(Of(requests.GetMeasurementSnapshot(), id));
        Assert.Equal(("connect", "allowed"), (Tag(connect.Tags, "kind"), Tag(connect.Tags, "outcome")));
    }

    private static IEnumerable<CollectedMeasurement<T>> Of<T>(IEnumerable<CollectedMeasurement<T>> measurements, string pluginId)
        where T : struct => measurements.Where(m => Tag(m.Tags, "plugin") == pluginId);

    private static string? Tag(IReadOnlyDictionary<string, object?> tags, string name) => tags.TryGetValue(name, out var value) ? value as string : null;
}
