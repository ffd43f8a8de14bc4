using Fabrix.Benchmarks;

// dotnet run -c Release --project benchmarks/Fabrix.Benchmarks -- health --plugins 500 --interval 1s --duration 20s
if (!BenchmarkArguments.TryParse(args, out var arguments, out var error))
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(BenchmarkArguments.Usage);
    return 2;
}

return await HealthPollingBenchmark.RunAsync(arguments, Console.Out);
