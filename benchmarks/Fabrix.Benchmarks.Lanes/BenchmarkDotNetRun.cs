using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Fabrix.Benchmarks.Lanes;

/// <summary>
/// The one runner of this project's BenchmarkDotNet cases (lane-tokens, operator-policy): the same job (5 warm-up + 15
/// measured iterations, or ShortRun with <c>--short</c>), in process, with the memory diagnoser; each case's mean and
/// bytes allocated per operation handed to the caller, which shapes its JSON line. A case without a result ends the
/// run with an error line.
/// </summary>
internal static class BenchmarkDotNetRun
{
    /// <summary>Mean (ns) and bytes allocated per operation of each case, by method name; null (after writing the error line) when one is missing.</summary>
    public static IReadOnlyDictionary<string, (double Mean, long Bytes)>? Run<TBenchmark>(string bench, string[] args, TextWriter output, params string[] methods)
    {
        var job = (IsShort(args) ? Job.ShortRun : Job.Default.WithWarmupCount(5).WithIterationCount(15))
            // In process: no generated project to restore and build (central package management, a 2-core machine).
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), $"fabrix-bench-{bench}"));

        var summary = BenchmarkRunner.Run<TBenchmark>(config);
        var results = new Dictionary<string, (double Mean, long Bytes)>(StringComparer.Ordinal);
        foreach (var method in methods)
        {
            if (Find(summary, method) is not { } result)
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["bench"] = bench, ["error"] = $"{method} produced no result" }));
                return null;
            }

            results[method] = result;
        }

        return results;
    }

    public static bool IsShort(string[] args) => args.Contains("--short", StringComparer.Ordinal);

    public static string JobName(string[] args) => IsShort(args) ? "short" : "default";

    public static double Round(double value, int digits = 1) => Math.Round(value, digits, MidpointRounding.AwayFromZero);

    private static (double Mean, long Bytes)? Find(Summary summary, string method)
    {
        var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
        return report?.ResultStatistics is { } statistics
            ? (statistics.Mean, report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1)
            : null;
    }
}
