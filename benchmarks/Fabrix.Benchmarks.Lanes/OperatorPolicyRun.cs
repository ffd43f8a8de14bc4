using System.Text.Json;

namespace Fabrix.Benchmarks.Lanes;

/// <summary>Runs <see cref="OperatorPolicyBenchmark"/> and prints the means and allocations as one JSON line.</summary>
internal static class OperatorPolicyRun
{
    public static int Run(string[] args, TextWriter output)
    {
        (string Key, string Method)[] cases =
        [
            ("path_check", nameof(OperatorPolicyBenchmark.PathCheck)),
            ("allowed", nameof(OperatorPolicyBenchmark.Allowed)),
            ("refused", nameof(OperatorPolicyBenchmark.Refused)),
            ("contract", nameof(OperatorPolicyBenchmark.Contract)),
        ];
        var results = BenchmarkDotNetRun.Run<OperatorPolicyBenchmark>("operator-policy", args, output, [.. cases.Select(c => c.Method)]);
        if (results is null)
        {
            return 1;
        }

        var result = new Dictionary<string, object> { ["bench"] = "operator-policy" };
        foreach (var (key, method) in cases)
        {
            result[key + "_ns"] = BenchmarkDotNetRun.Round(results[method].Mean);
            result[key + "_bytes"] = results[method].Bytes;
        }

        result["job"] = BenchmarkDotNetRun.JobName(args);
        output.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }
}
