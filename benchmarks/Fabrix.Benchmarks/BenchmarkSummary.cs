using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fabrix.Benchmarks;

/// <summary>
/// The one JSON line every benchmark prints last (issue 9 section 5): <c>benchmarks/run.sh</c> passes it on as its own last
/// line, so scripts and CI read the result without parsing the tables above it.
/// </summary>
internal static class BenchmarkSummary
{
    public static void Write(TextWriter output, HealthSummary summary) => output.WriteLine(JsonSerializer.Serialize(summary, BenchmarkSummaryJson.Default.HealthSummary));

    public static void Write(TextWriter output, AuditIngestSummary summary) => output.WriteLine(JsonSerializer.Serialize(summary, BenchmarkSummaryJson.Default.AuditIngestSummary));
}

/// <summary>The health benchmark's result: achieved ÷ configured poll rate, failed polls, overhead and headroom ratios.</summary>
internal sealed record HealthSummary(
    string Bench,
    string Store,
    int Plugins,
    double IntervalS,
    double Rate,
    double RateRatio,
    long FailedPolls,
    double Overhead,
    double Headroom)
{
    /// <summary>With the PostgreSQL store: observations the store failed to record.</summary>
    public long? NotRecorded { get; init; }

    /// <summary>With the PostgreSQL store: health_samples rows ÷ observations recorded (must be 1).</summary>
    public double? SampleRowsPerObservation { get; init; }
}

/// <summary>The audit-ingest benchmark's result (issue 9 section 4).</summary>
internal sealed record AuditIngestSummary(
    string Bench,
    double Rate,
    double BaselineRate,
    double Ratio,
    double P99Ms,
    long Lost,
    long Doubled)
{
    public int BatchSize { get; init; }

    public long Records { get; init; }

    public long RegistryKills { get; init; }

    public long NatsKills { get; init; }

    public long Refused { get; init; }

    public double P50Ms { get; init; }

    public bool Goal { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthSummary))]
[JsonSerializable(typeof(AuditIngestSummary))]
internal sealed partial class BenchmarkSummaryJson : JsonSerializerContext;
