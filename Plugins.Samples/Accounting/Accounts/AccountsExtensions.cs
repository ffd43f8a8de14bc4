using System.Text.Json.Serialization;
using Fabrix.Plugins.Samples.Contracts.Users.V1;
using Fabrix.Plugins.Sdk;

namespace Fabrix.Plugins.Samples.Accounting.Accounts;

/// <summary>
/// The accounts feature: <c>GET /api/accounts/{userId}</c>, built from user-management's data read through the
/// gateway with the SDK's operator clients, over HTTP (the profile) and gRPC (the approver).
/// </summary>
internal static class AccountsExtensions
{
    /// <summary>The plugin this one reads users from (its manifest's only dependency).</summary>
    public const string UserManagement = "user-management";

    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddFabrixOperatorClient(UserManagement);
        builder.Services.AddFabrixOperatorGrpcClient<UserDirectory.UserDirectoryClient>(UserManagement);
        builder.Services.AddSingleton<UserManagementDirectory>();
        builder.Services.ConfigureHttpJsonOptions(static options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, AccountsJsonContext.Default));
        return builder;
    }

    public static WebApplication MapAccounts(this WebApplication app)
    {
        app.MapAccountEndpoints();
        return app;
    }
}

/// <summary>A user's account as accounting shows it.</summary>
/// <param name="UserId">The user.</param>
/// <param name="DisplayName">From user-management's profile (HTTP).</param>
/// <param name="Email">From the profile.</param>
/// <param name="Department">From the profile; null when unset.</param>
/// <param name="Approver">The user's manager, read with <c>UserDirectory/GetUser</c> (gRPC); null when the user has none.</param>
internal sealed record Account(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("display_name")] string DisplayName,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("department")] string? Department,
    [property: JsonPropertyName("approver")] Approver? Approver);

/// <summary>Who approves the user's expenses.</summary>
internal sealed record Approver(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("display_name")] string DisplayName);

/// <summary>The part of user-management's <c>GET /api/users/{id}</c> body accounting reads.</summary>
internal sealed record UserProfileView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("display_name")] string DisplayName,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("department")] string? Department,
    [property: JsonPropertyName("manager")] string? Manager);

[JsonSerializable(typeof(Account))]
[JsonSerializable(typeof(UserProfileView))]
internal sealed partial class AccountsJsonContext : JsonSerializerContext;
