using System.Buffers;
using System.Text.Json;

namespace Fabrix.Core.Registry.Health;

/// <summary>
/// Extracts metrics from a health body: the numbers of a JSON object at the top level (<c>"uptime_seconds": 12</c>)
/// and one level down, named <c>parent.child</c> (<c>"memory": {"working_set_mb": 80}</c> → <c>memory.working_set_mb</c>).
/// Bounded like heartbeat metrics (at most 64, names up to 64 characters) and read only up to 64 KiB; a body that is
/// larger, not JSON or not an object yields no metrics and never fails the probe.
/// </summary>
internal static class HealthMetricsReader
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxMetrics = 64;
    public const int MaxNameLength = 64;

    public static async Task<IReadOnlyDictionary<string, double>> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is > MaxBodyBytes or 0)
        {
            return HealthProbeResult.NoMetrics;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken);
            var length = 0;
            int read;
            while (length <= MaxBodyBytes && (read = await stream.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), cancellationToken)) > 0)
            {
                length += read;
            }

            return length > MaxBodyBytes ? HealthProbeResult.NoMetrics : Parse(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static IReadOnlyDictionary<string, double> Parse(ReadOnlySpan<byte> body)
    {
        var start = body.IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0 || body[start] != (byte)'{')
        {
            return HealthProbeResult.NoMetrics;
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
            using var document = JsonDocument.ParseValue(ref reader);
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var child in property.Value.EnumerateObject())
                    {
                        Add(metrics, $"{property.Name}.{child.Name}", child.Value);
                    }
                }
                else
                {
                    Add(metrics, property.Name, property.Value);
                }

                if (metrics.Count >= MaxMetrics)
                {
                    break;
                }
            }

            return metrics.Count == 0 ? HealthProbeResult.NoMetrics : metrics;
        }
        catch (JsonException)
        {
            return HealthProbeResult.NoMetrics;
        }
    }

    private static void Add(Dictionary<string, double> metrics, string name, JsonElement value)
    {
        if (metrics.Count < MaxMetrics
            && value.ValueKind == JsonValueKind.Number
            && name.Length is > 0 and <= MaxNameLength
            && value.TryGetDouble(out var number)
            && double.IsFinite(number))
        {
            metrics.TryAdd(name, number);
        }
    }
}
