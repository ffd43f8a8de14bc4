using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fabrix.Plugins.Samples.Accounting.Accounts;

/// <summary>
/// <c>GET /api/accounts/{userId}</c>: 200 <see cref="Account"/>; 400 ValidationProblem for an id that is not a user
/// id; 404 when user-management has no such user; 502 when user-management or the gateway failed or refused; 503
/// while accounting is not registered (it has no token to call with).
/// </summary>
internal static partial class AccountEndpoints
{
    public static RouteGroupBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var accounts = endpoints.MapGroup("/api/accounts").WithTags("Accounts");
        accounts.MapGet("/{userId}", GetAsync).WithName("GetAccount");
        return accounts;
    }

    private static async Task<Results<Ok<Account>, ValidationProblem, ProblemHttpResult>> GetAsync(string userId, UserManagementDirectory users,
        CancellationToken cancellationToken)
    {
        // user-management's id rule, minus ids of dots only: "." and ".." would be dot segments in the forwarded path.
        if (!UserId().IsMatch(userId) || userId.All(c => c == '.'))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["Must be 1-64 of letters, digits, '.', '_', '@', '-', not only dots."] });
        }

        var (outcome, profile, problem) = await users.GetProfileAsync(userId, cancellationToken);
        if (outcome != LookupOutcome.Found)
        {
            return Failure(outcome, problem, userId);
        }

        Approver? approver = null;
        if (!string.IsNullOrEmpty(profile!.Manager))
        {
            var (managerOutcome, manager, managerProblem) = await users.GetDirectoryEntryAsync(profile.Manager, cancellationToken);
            if (managerOutcome is LookupOutcome.Failed or LookupOutcome.NotRegistered)
            {
                return Failure(managerOutcome, managerProblem, profile.Manager);
            }

            approver = manager is null ? null : new Approver(manager.Id, manager.DisplayName);
        }

        return TypedResults.Ok(new Account(profile.Id, profile.DisplayName, profile.Email, profile.Department, approver));
    }

    private static ProblemHttpResult Failure(LookupOutcome outcome, string? problem, string userId) => outcome switch
    {
        LookupOutcome.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "User not found",
            detail: $"user-management has no user '{userId}'."),
        LookupOutcome.NotRegistered => TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Accounting is not registered yet",
            detail: problem),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "user-management could not be read", detail: problem),
    };

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserId();
}
