namespace Fabrix.Plugins.Samples.UserManagement.UserProfiles;

/// <summary>Log messages of the user-profiles feature (event ids 7100–7199). Profile contents are PII and never logged; ids only.</summary>
internal static partial class UserProfilesLog
{
    [LoggerMessage(7100, LogLevel.Information, "Applied user-profiles migration {Version}: {Description}")]
    public static partial void MigrationApplied(ILogger logger, int version, string description);

    [LoggerMessage(7101, LogLevel.Information, "Created user profile {UserId} for plugin {CallerId}")]
    public static partial void ProfileCreated(ILogger logger, string userId, string callerId);

    [LoggerMessage(7102, LogLevel.Information, "Updated user profile {UserId} for plugin {CallerId}")]
    public static partial void ProfileUpdated(ILogger logger, string userId, string callerId);

    [LoggerMessage(7103, LogLevel.Information, "Created user profile {UserId} from UserCreated {EventId}")]
    public static partial void ProfileCreatedFromEvent(ILogger logger, string userId, string eventId);

    [LoggerMessage(7104, LogLevel.Information, "No profile created for {UserId} from UserCreated {EventId}: {Why}")]
    public static partial void ProfileFromEventSkipped(ILogger logger, string userId, string eventId, string why);
}
