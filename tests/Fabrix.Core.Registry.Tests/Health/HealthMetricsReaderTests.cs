using System.Text;
using Fabrix.Core.Registry.Health;

namespace Fabrix.Core.Registry.Tests.Health;

public sealed class HealthMetricsReaderTests
{
    public static TheoryData<string, string> Bodies() => new()
    {
        // body -> metrics, "name=value" sorted, ';'-separated
        { """{"status":"healthy","plugin":"user-management","uptime_seconds":12.5}""", "uptime_seconds=12.5" },
        { """{"uptime":3,"memory":{"working_set_mb":80,"gc_heap_mb":12,"kind":"server"}}""", "memory.gc_heap_mb=12;memory.working_set_mb=80;uptime=3" },
        { """{"deep":{"deeper":{"deepest":1}},"flag":true,"list":[1,2]}""", "" },
        { """  {"padded": 1}  """, "padded=1" },
        { "Healthy", "" },
        { "[1,2,3]", "" },
        { "{not json", "" },
        { "", "" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Parse_Body_TakesNumbersAtTopAndOneLevelDown(string body, string expected)
    {
        var metrics = HealthMetricsReader.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Equal(expected, string.Join(';', metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}")));
    }

    [Fact]
    public void Parse_MoreThanTheCap_KeepsTheFirst64()
    {
        var body = "{" + string.Join(',', Enumerable.Range(0, 100).Select(i => $"\"m{i:000}\":{i}")) + "}";

        var metrics = HealthMetricsReader.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Equal(HealthMetricsReader.MaxMetrics, metrics.Count);
        Assert.Equal(63, metrics["m063"]);
        Assert.False(metrics.ContainsKey("m064"));
    }

    [Fact]
    public void Parse_NameLongerThan64_IsSkipped()
    {
        var body = $$"""{"{{new string('a', 65)}}":1,"ok":2}""";

        var metrics = HealthMetricsReader.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Equal(["ok"], metrics.Keys);
    }

    [Fact]
    public async Task ReadAsync_BodyLargerThanTheCap_YieldsNoMetrics()
    {
        var body = $"{{\"uptime\":1,\"padding\":\"{new string('x', HealthMetricsReader.MaxBodyBytes)}\"}}";
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));

        var metrics = await HealthMetricsReader.ReadAsync(content, TestContext.Current.CancellationToken);

        Assert.Empty(metrics);
    }
}
