using System.Text.Json.Serialization;

namespace Fabrix.Plugins.Samples.UserManagement.UserProfiles;

/// <summary>An extended user profile (seed 004 "Example: User Management Plugin"), as stored and returned.</summary>
internal sealed record UserProfile(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("display_name")] string DisplayName,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("department")] string? Department,
    [property: JsonPropertyName("manager")] string? Manager,
    [property: JsonPropertyName("attributes")] IReadOnlyDictionary<string, string> Attributes,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt);

/// <summary>Body of <c>POST /api/users</c>. Everything is nullable so a missing field becomes a field error, not a 400 without detail.</summary>
internal sealed record CreateUserProfileRequest(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("display_name")] string? DisplayName,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("department")] string? Department,
    [property: JsonPropertyName("manager")] string? Manager,
    [property: JsonPropertyName("attributes")] Dictionary<string, string?>? Attributes);

/// <summary>Body of <c>PUT /api/users/{id}</c>: the whole profile except its id (the URL names it).</summary>
internal sealed record UpdateUserProfileRequest(
    [property: JsonPropertyName("display_name")] string? DisplayName,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("department")] string? Department,
    [property: JsonPropertyName("manager")] string? Manager,
    [property: JsonPropertyName("attributes")] Dictionary<string, string?>? Attributes);

/// <summary>A validated profile body, ready to store.</summary>
internal sealed record UserProfileFields(
    string DisplayName,
    string Email,
    string? Department,
    string? Manager,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>One page of <c>GET /api/users</c>, ordered by id; pass <see cref="NextAfter"/> as <c>after</c> for the next page.</summary>
internal sealed record UserProfilePage(
    [property: JsonPropertyName("items")] IReadOnlyList<UserProfile> Items,
    [property: JsonPropertyName("next_after")] string? NextAfter);

/// <summary>
/// Wire format: snake_case like the manifest, source-generated (STYLE.md). Names are explicit attributes because a
/// context's naming policy does not apply when it serves the app's own JSON options.
/// </summary>
[JsonSerializable(typeof(UserProfile))]
[JsonSerializable(typeof(UserProfilePage))]
[JsonSerializable(typeof(CreateUserProfileRequest))]
[JsonSerializable(typeof(UpdateUserProfileRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class UserProfilesJsonContext : JsonSerializerContext;
