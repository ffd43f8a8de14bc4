using Fabrix.Benchmarks.Lanes;

// dotnet run -c Release --project benchmarks/Fabrix.Benchmarks.Lanes [-- --short]
// BenchmarkDotNet's tables first, then one JSON line last (benchmarks/run.sh reads it).
return LaneTokensRun.Run(args, Console.Out);
