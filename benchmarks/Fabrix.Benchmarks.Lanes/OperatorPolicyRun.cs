using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Fabrix.Benchmarks.Lanes;

/// <summary>Runs <see cref="OperatorPolicyBenchmark"/> and prints the means and allocations as one JSON line.</summary>
internal static class OperatorPolicyRun
{
    public static int Run(string[] args, TextWriter output)
    {
        var shortRun = args.Contains("--short", StringComparer.Ordinal);
        var job = (shortRun ? Job.ShortRun : Job.Default.WithWarmupCount(5).WithIterationCount(15))
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "fabrix-bench-operator-policy"));

        var summary = BenchmarkRunner.Run<OperatorPolicyBenchmark>(config);
        var result = new Dictionary<string, object> { ["bench"] = "operator-policy" };
        foreach (var (key, method) in new[]
        {
            ("path_check", nameof(OperatorPolicyBenchmark.PathCheck)),
            ("allowed", nameof(OperatorPolicyBenchmark.Allowed)),
            ("refused", nameof(OperatorPolicyBenchmark.Refused)),
            ("contract", nameof(OperatorPolicyBenchmark.Contract)),
        })
        {
            var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
            if (report?.ResultStatistics is not { } statistics)
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["bench"] = "operator-policy", ["error"] = $"{method} produced no result" }));
                return 1;
            }

            result[key + "_ns"] = Math.Round(statistics.Mean, 1, MidpointRounding.AwayFromZero);
            result[key + "_bytes"] = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
        }

        result["job"] = shortRun ? "short" : "default";
        output.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }
}
