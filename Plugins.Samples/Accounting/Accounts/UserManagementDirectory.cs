using System.Net;
using Fabrix.Plugins.Samples.Contracts.Users.V1;
using Fabrix.Plugins.Sdk;
using Grpc.Core;

namespace Fabrix.Plugins.Samples.Accounting.Accounts;

/// <summary>What a read from user-management came to.</summary>
internal enum LookupOutcome
{
    Found,
    NotFound,
    NotRegistered,
    Failed,
}

/// <summary>
/// Reads users from user-management, only ever through the gateway: the profile with the HTTP operator client
/// (<c>GET /user-management/api/users/{id}</c>), a user's directory entry with the gRPC one (<c>UserDirectory/GetUser</c>,
/// <c>fabrix-target: user-management</c>). Failures are values; the endpoint maps them to ProblemDetails.
/// </summary>
internal sealed class UserManagementDirectory(IHttpClientFactory clients, UserDirectory.UserDirectoryClient directory, ILogger<UserManagementDirectory> logger)
{
    public async Task<(LookupOutcome Outcome, UserProfileView? Profile, string? Problem)> GetProfileAsync(string userId, CancellationToken cancellationToken)
    {
        var http = clients.CreateClient(AccountsExtensions.UserManagement);
        try
        {
            // The id is checked by AccountEndpoints (no '/', '%', '?', '#', no dot-only segment), so it is one path segment as is.
            using var response = await http.GetAsync($"api/users/{userId}", cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return (LookupOutcome.NotFound, null, null);
            }

            if (!response.IsSuccessStatusCode)
            {
                AccountsLog.UserManagementRefused(logger, "HTTP", (int)response.StatusCode);
                return (LookupOutcome.Failed, null, $"user-management answered {(int)response.StatusCode} through the gateway.");
            }

            var profile = await response.Content.ReadFromJsonAsync(AccountsJsonContext.Default.UserProfileView, cancellationToken);
            return profile is null ? (LookupOutcome.Failed, null, "user-management answered an empty profile.") : (LookupOutcome.Found, profile, null);
        }
        catch (FabrixNotRegisteredException exception)
        {
            return (LookupOutcome.NotRegistered, null, exception.Message);
        }
        catch (HttpRequestException exception)
        {
            AccountsLog.GatewayUnreachable(logger, exception);
            return (LookupOutcome.Failed, null, "The gateway could not be reached.");
        }
    }

    public async Task<(LookupOutcome Outcome, User? User, string? Problem)> GetDirectoryEntryAsync(string userId, CancellationToken cancellationToken)
    {
        try
        {
            return (LookupOutcome.Found, await directory.GetUserAsync(new GetUserRequest { Id = userId }, cancellationToken: cancellationToken), null);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            return (LookupOutcome.NotFound, null, null);
        }
        catch (RpcException exception)
        {
            AccountsLog.UserManagementRefused(logger, "gRPC", (int)exception.StatusCode);
            return (LookupOutcome.Failed, null, $"user-management's directory answered {exception.StatusCode} through the gateway.");
        }
    }
}

/// <summary>Log messages of the accounts feature (event ids 7300–7399): user ids and statuses only.</summary>
internal static partial class AccountsLog
{
    [LoggerMessage(7300, LogLevel.Warning, "user-management refused a {Protocol} call through the gateway with status {Status}")]
    public static partial void UserManagementRefused(ILogger logger, string protocol, int status);

    [LoggerMessage(7301, LogLevel.Warning, "The gateway could not be reached")]
    public static partial void GatewayUnreachable(ILogger logger, Exception exception);
}
