using System.Text.Json;

namespace Fabrix.Benchmarks.Lanes;

/// <summary>Runs <see cref="PluginTokenCheckBenchmark"/> and prints the ratios against the raw handler as one JSON line.</summary>
internal static class LaneTokensRun
{
    public static int Run(string[] args, TextWriter output)
    {
        var results = BenchmarkDotNetRun.Run<PluginTokenCheckBenchmark>("lane-tokens", args, output,
            nameof(PluginTokenCheckBenchmark.RawHandler), nameof(PluginTokenCheckBenchmark.Uncached), nameof(PluginTokenCheckBenchmark.Cached));
        if (results is null)
        {
            return 1;
        }

        var baseline = results[nameof(PluginTokenCheckBenchmark.RawHandler)];
        var uncached = results[nameof(PluginTokenCheckBenchmark.Uncached)];
        var cached = results[nameof(PluginTokenCheckBenchmark.Cached)];
        var result = new Dictionary<string, object>
        {
            ["bench"] = "lane-tokens",
            ["raw_handler_ns"] = BenchmarkDotNetRun.Round(baseline.Mean),
            ["uncached_ns"] = BenchmarkDotNetRun.Round(uncached.Mean),
            ["cached_ns"] = BenchmarkDotNetRun.Round(cached.Mean),
            ["uncached_ratio"] = BenchmarkDotNetRun.Round(uncached.Mean / baseline.Mean, 3),
            ["cached_ratio"] = BenchmarkDotNetRun.Round(cached.Mean / baseline.Mean, 4),
            ["cached_speedup"] = BenchmarkDotNetRun.Round(baseline.Mean / cached.Mean, 1),
            ["raw_handler_bytes"] = baseline.Bytes,
            ["uncached_bytes"] = uncached.Bytes,
            ["cached_bytes"] = cached.Bytes,
            ["job"] = BenchmarkDotNetRun.JobName(args),
        };
        output.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }
}
