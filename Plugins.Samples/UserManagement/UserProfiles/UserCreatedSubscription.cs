using Fabrix.Contracts.Canonical.V1;
using Fabrix.Plugins.Sdk;

namespace Fabrix.Plugins.Samples.UserManagement.UserProfiles;

/// <summary>
/// user-management subscribes to <c>UserCreated</c> (issue 11 section 6; manifest <c>events.subscribes</c>) and creates
/// the user's profile from it. Idempotent in the database: the user id is the primary key, so a redelivered event finds
/// the profile and does nothing. A user without an email gets no profile (a profile needs one), and neither does one
/// whose email another profile holds; both are logged and acknowledged, since a redelivery could not change them.
/// </summary>
internal static class UserCreatedSubscription
{
    public static WebApplicationBuilder AddUserCreatedSubscription(this WebApplicationBuilder builder)
    {
        builder.AddFabrixEvents();
        return builder;
    }

    public static WebApplication MapUserCreatedSubscription(this WebApplication app)
    {
        app.MapFabrixEvent<UserCreated>(static async (created, context) =>
        {
            var logger = context.Services.GetRequiredService<ILogger<UserProfileStore>>();
            if (string.IsNullOrWhiteSpace(created.Email))
            {
                UserProfilesLog.ProfileFromEventSkipped(logger, created.UserId, context.EventId, "the user has no email");
                return;
            }

            var fields = new UserProfileFields(created.DisplayName, created.Email, string.IsNullOrEmpty(created.Department) ? null : created.Department, null,
                new Dictionary<string, string>(StringComparer.Ordinal));
            var (outcome, _) = await context.Services.GetRequiredService<UserProfileStore>().CreateAsync(created.UserId, fields, context.CancellationToken);
            switch (outcome)
            {
                case UserProfileWrite.Done:
                    UserProfilesLog.ProfileCreatedFromEvent(logger, created.UserId, context.EventId);
                    break;
                case UserProfileWrite.DuplicateEmail:
                    UserProfilesLog.ProfileFromEventSkipped(logger, created.UserId, context.EventId, "another profile has this email");
                    break;
                default:
                    UserProfilesLog.ProfileFromEventSkipped(logger, created.UserId, context.EventId, "the profile exists");
                    break;
            }
        });
        return app;
    }
}
