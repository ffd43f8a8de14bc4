using Fabrix.Benchmarks.Lanes;

// dotnet run -c Release --project benchmarks/Fabrix.Benchmarks.Lanes [-- lane-tokens|operator-policy] [--short]
// BenchmarkDotNet's tables first, then one JSON line last (benchmarks/run.sh reads it). Without a name: lane-tokens.
return args.Contains("operator-policy", StringComparer.Ordinal)
    ? OperatorPolicyRun.Run(args, Console.Out)
    : LaneTokensRun.Run(args, Console.Out);
