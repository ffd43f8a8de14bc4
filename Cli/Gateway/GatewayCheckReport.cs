using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fabrix.Cli.Gateway;

/// <summary>
/// One request's answer, as issue 10 section 2 specifies the JSON: <c>normalized_path</c> is the path forwarded to
/// the target (no <c>/{target}</c> prefix, no query), null when refused; <c>endpoint</c> the matched endpoint's name.
/// </summary>
/// <param name="Request">The request as given, e.g. <c>GET /user-management/api/users/42</c>.</param>
/// <param name="Allowed">Whether the gateway would forward it.</param>
/// <param name="NormalizedPath">The path forwarded, or null.</param>
/// <param name="Endpoint">The matched endpoint, or null.</param>
/// <param name="Reason"><c>ALLOWED</c> or the refusal code.</param>
internal sealed record GatewayCheckReport(string Request, bool Allowed, string? NormalizedPath, string? Endpoint, string Reason);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(IReadOnlyList<GatewayCheckReport>))]
internal sealed partial class GatewayCheckJsonContext : JsonSerializerContext
{
    /// <summary>Writes quotes and non-ASCII text as they are (the output is a terminal or a file, never HTML).</summary>
    public static GatewayCheckJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
