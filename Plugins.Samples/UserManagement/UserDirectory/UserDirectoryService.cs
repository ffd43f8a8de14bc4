using Fabrix.Plugins.Samples.Contracts.Users.V1;
using Fabrix.Plugins.Samples.UserManagement.UserProfiles;
using Fabrix.Plugins.Sdk;
using Grpc.Core;

namespace Fabrix.Plugins.Samples.UserManagement.UserDirectory;

/// <summary>
/// <c>fabrix.samples.users.v1.UserDirectory</c> (issue 10 section 7): what other plugins read about a user, over gRPC
/// through the gateway. Like the REST API it needs a caller context (checked by the SDK before the call gets here).
/// </summary>
internal sealed class UserDirectoryService(UserProfileStore store, ILogger<UserDirectoryService> logger) : Contracts.Users.V1.UserDirectory.UserDirectoryBase
{
    public override async Task<User> GetUser(GetUserRequest request, ServerCallContext context)
    {
        if (!UserProfileValidation.IsUserId(request.Id))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "id: must be 1-64 of letters, digits, '.', '_', '@', '-'."));
        }

        var profile = await store.GetAsync(request.Id, context.CancellationToken);
        if (profile is null)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"No user profile has id '{request.Id}'."));
        }

        UserDirectoryLog.UserRead(logger, profile.Id, context.GetHttpContext().GetFabrixCaller().PluginId);
        return new User
        {
            Id = profile.Id,
            DisplayName = profile.DisplayName,
            Email = profile.Email,
            Department = profile.Department ?? string.Empty,
            Manager = profile.Manager ?? string.Empty,
        };
    }
}

/// <summary>Log messages of the directory (event ids 7200–7299): ids only, never profile contents (PII).</summary>
internal static partial class UserDirectoryLog
{
    [LoggerMessage(7200, LogLevel.Debug, "User {UserId} read over gRPC by plugin {CallerId}")]
    public static partial void UserRead(ILogger logger, string userId, string callerId);
}

/// <summary>The directory feature: gRPC, served on the plugin's h2c endpoint (<c>Kestrel:Endpoints:Grpc</c>).</summary>
internal static class UserDirectoryExtensions
{
    public static WebApplicationBuilder AddUserDirectory(this WebApplicationBuilder builder)
    {
        // No catch-all route for unknown gRPC methods: it would also match two-segment REST paths such as /api/users and
        // turn a 415 there into a 404.
        builder.Services.AddGrpc(options => options.IgnoreUnknownServices = true);
        return builder;
    }

    public static WebApplication MapUserDirectory(this WebApplication app)
    {
        app.MapGrpcService<UserDirectoryService>();
        return app;
    }
}
