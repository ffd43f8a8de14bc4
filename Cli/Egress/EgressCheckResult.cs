using System.Text.Json.Serialization;

namespace Fabrix.Cli.Egress;

/// <summary>One element of <c>fabrix egress check --json</c>: <c>{"target","allowed","reason","addresses"}</c>.</summary>
/// <param name="Target">The target as given.</param>
/// <param name="Allowed">Whether the Proxy lane would connect.</param>
/// <param name="Reason">A code: <c>allowed</c>, or why not (in report mode, what enforce mode would refuse).</param>
/// <param name="Addresses">The addresses that were classified.</param>
internal sealed record EgressCheckResult(
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("allowed")] bool Allowed,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("addresses")] IReadOnlyList<string> Addresses);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(IReadOnlyList<EgressCheckResult>))]
internal sealed partial class EgressCheckJsonContext : JsonSerializerContext;
