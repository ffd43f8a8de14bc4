using Fabrix.Plugins.Sdk;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fabrix.Plugins.Samples.UserManagement.UserProfiles;

/// <summary>
/// <c>/api/users</c>: read, create, update and page through profiles. Errors are ProblemDetails; validation errors
/// carry the offending JSON field names.
/// </summary>
internal static class UserProfileEndpoints
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static RouteGroupBuilder MapUserProfileEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Issue 10 section 3: the manifest says authentication_required, and every call comes through the gateway with a
        // caller context, checked by app.UseFabrixCallerContext() before any of these runs (401 ProblemDetails otherwise).
        var users = endpoints.MapGroup("/api/users").WithTags("Users");
        users.MapGet("/{id}", GetAsync).WithName("GetUserProfile");
        users.MapGet("/", ListAsync).WithName("ListUserProfiles");
        users.MapPost("/", CreateAsync).WithName("CreateUserProfile");
        users.MapPut("/{id}", UpdateAsync).WithName("UpdateUserProfile");
        return users;
    }

    private static async Task<Results<Ok<UserProfile>, ProblemHttpResult>> GetAsync(string id, UserProfileStore store, CancellationToken cancellationToken)
    {
        var profile = await store.GetAsync(id, cancellationToken);
        return profile is null ? NotFound(id) : TypedResults.Ok(profile);
    }

    private static async Task<Results<Ok<UserProfilePage>, ValidationProblem>> ListAsync(
        UserProfileStore store, CancellationToken cancellationToken, int? limit = null, string? after = null)
    {
        var size = limit ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["limit"] = [$"limit must be between 1 and {MaxPageSize}."] });
        }

        // One extra row tells whether another page exists without a COUNT.
        var rows = await store.ListAsync(string.IsNullOrEmpty(after) ? null : after, size + 1, cancellationToken);
        var items = rows.Take(size).ToArray();
        return TypedResults.Ok(new UserProfilePage(items, rows.Count > size ? items[^1].Id : null));
    }

    private static async Task<Results<Created<UserProfile>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateUserProfileRequest request, UserProfileStore store, HttpContext context, ILogger<UserProfileStore> logger, CancellationToken cancellationToken)
    {
        if (UserProfileValidation.Validate(request, out var errors) is not { } valid)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (outcome, profile) = await store.CreateAsync(valid.Id, valid.Fields, cancellationToken);
        switch (outcome)
        {
            case UserProfileWrite.Done:
                UserProfilesLog.ProfileCreated(logger, profile!.Id, context.GetFabrixCaller().PluginId);
                return TypedResults.Created($"/api/users/{Uri.EscapeDataString(profile.Id)}", profile);
            case UserProfileWrite.DuplicateId:
                return Conflict($"A user profile with id '{valid.Id}' already exists.");
            default:
                return Conflict("Another user profile already has this email address.");
        }
    }

    private static async Task<Results<Ok<UserProfile>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, UpdateUserProfileRequest request, UserProfileStore store, HttpContext context, ILogger<UserProfileStore> logger, CancellationToken cancellationToken)
    {
        if (UserProfileValidation.Validate(id, request, out var errors) is not { } fields)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (outcome, profile) = await store.UpdateAsync(id, fields, cancellationToken);
        switch (outcome)
        {
            case UserProfileWrite.Done:
                UserProfilesLog.ProfileUpdated(logger, profile!.Id, context.GetFabrixCaller().PluginId);
                return TypedResults.Ok(profile);
            case UserProfileWrite.NotFound:
                return NotFound(id);
            default:
                return Conflict("Another user profile already has this email address.");
        }
    }

    private static ProblemHttpResult NotFound(string id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "User profile not found", detail: $"No user profile has id '{id}'.");

    private static ProblemHttpResult Conflict(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "User profile conflict", detail: detail);
}
