using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Fabrix.Benchmarks.Lanes;

/// <summary>Runs <see cref="PluginTokenCheckBenchmark"/> and prints the ratios against the raw handler as one JSON line.</summary>
internal static class LaneTokensRun
{
    public static int Run(string[] args, TextWriter output)
    {
        var shortRun = args.Contains("--short", StringComparer.Ordinal);
        var job = (shortRun ? Job.ShortRun : Job.Default.WithWarmupCount(5).WithIterationCount(15))
            // In process: no generated project to restore and build (central package management, a 2-core machine).
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "fabrix-bench-lane-tokens"));

        var summary = BenchmarkRunner.Run<PluginTokenCheckBenchmark>(config);
        var baseline = Find(summary, nameof(PluginTokenCheckBenchmark.RawHandler));
        var uncached = Find(summary, nameof(PluginTokenCheckBenchmark.Uncached));
        var cached = Find(summary, nameof(PluginTokenCheckBenchmark.Cached));
        if (baseline is null || uncached is null || cached is null)
        {
            output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["bench"] = "lane-tokens", ["error"] = "a benchmark case did not produce a result" }));
            return 1;
        }

        var result = new Dictionary<string, object>
        {
            ["bench"] = "lane-tokens",
            ["raw_handler_ns"] = Round(baseline.Value.Mean),
            ["uncached_ns"] = Round(uncached.Value.Mean),
            ["cached_ns"] = Round(cached.Value.Mean),
            ["uncached_ratio"] = Round(uncached.Value.Mean / baseline.Value.Mean, 3),
            ["cached_ratio"] = Round(cached.Value.Mean / baseline.Value.Mean, 4),
            ["cached_speedup"] = Round(baseline.Value.Mean / cached.Value.Mean, 1),
            ["raw_handler_bytes"] = baseline.Value.Bytes,
            ["uncached_bytes"] = uncached.Value.Bytes,
            ["cached_bytes"] = cached.Value.Bytes,
            ["job"] = shortRun ? "short" : "default",
        };
        output.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private static (double Mean, long Bytes)? Find(Summary summary, string method)
    {
        var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
        return report?.ResultStatistics is { } statistics
            ? (statistics.Mean, report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1)
            : null;
    }

    private static double Round(double value, int digits = 1) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}
