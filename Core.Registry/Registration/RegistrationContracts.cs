using System.Text.Json.Serialization;

namespace Fabrix.Core.Registry.Registration;

/// <summary>
/// 200 body of <c>POST /plugins/register</c> and <c>POST /plugins/token</c>:
/// <c>{"plugin_id","token","token_type":"Bearer","key_id","expires_at","status"}</c>, plus <c>"push_secret"</c> in the
/// registration and renewal answers of a plugin with push delivery (issue 11 section 3).
/// </summary>
internal sealed record TokenResponseBody(string PluginId, string Token, string TokenType, string KeyId, DateTimeOffset ExpiresAt, string Status)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PushSecret { get; init; }
}

/// <summary>200 body of <c>POST /plugins/{id}/heartbeat</c>: <c>{"status","received_at"}</c>.</summary>
internal sealed record HeartbeatResponseBody(string Status, DateTimeOffset ReceivedAt);

/// <summary>REST wire JSON of the plugin API: snake_case, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TokenResponseBody))]
[JsonSerializable(typeof(HeartbeatResponseBody))]
internal sealed partial class RegistrationJsonContext : JsonSerializerContext;
