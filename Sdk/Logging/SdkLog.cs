using Fabrix.Contracts.Registry.V1;
using Microsoft.Extensions.Logging;

namespace Fabrix.Plugins.Sdk.Logging;

/// <summary>Log messages of the plugin SDK (event ids 7000–7099). No message carries a token.</summary>
internal static partial class SdkLog
{
    [LoggerMessage(7000, LogLevel.Information, "Loaded plugin manifest {PluginId} {Version} from {ManifestPath}")]
    public static partial void ManifestLoaded(ILogger logger, string pluginId, string version, string manifestPath);

    [LoggerMessage(7001, LogLevel.Critical, "The plugin cannot start: {Problem}")]
    public static partial void ManifestRejected(ILogger logger, string problem);

    [LoggerMessage(7002, LogLevel.Warning, "Plugin manifest warning at {JsonPath}: {Message}")]
    public static partial void ManifestWarning(ILogger logger, string jsonPath, string message);

    [LoggerMessage(7010, LogLevel.Information, "Plugin {PluginId} registered at {Address}: status {Status}, token {KeyId} valid until {ExpiresAt:O}")]
    public static partial void Registered(ILogger logger, string pluginId, string address, PluginStatus status, DateTimeOffset expiresAt, string keyId);

    [LoggerMessage(7011, LogLevel.Warning, "Plugin {PluginId} could not reach the registry at {RegistryAddress} (attempt {Attempt}); retrying in {Delay}. {Failure}")]
    public static partial void RegistryUnreachable(ILogger logger, string pluginId, string? registryAddress, int attempt, string failure, TimeSpan delay);

    [LoggerMessage(7012, LogLevel.Error, "Plugin {PluginId} not registered: {Advice}. Asking again in {Delay}. Registry said {Failure}")]
    public static partial void RegistrationRefused(ILogger logger, string pluginId, string advice, string failure, TimeSpan delay);

    [LoggerMessage(7013, LogLevel.Error, "Plugin {PluginId} has no address to register: set Fabrix:Plugin:Address (the server reported none)")]
    public static partial void NoPluginAddress(ILogger logger, string pluginId);

    [LoggerMessage(7014, LogLevel.Information, "Plugin {PluginId} registration is now {State} (registry status {Status})")]
    public static partial void RegistrationStateChanged(ILogger logger, string pluginId, PluginRegistrationState state, PluginStatus status);

    [LoggerMessage(7015, LogLevel.Error, "A RegistrationChanged handler threw; registration goes on")]
    public static partial void RegistrationHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(7020, LogLevel.Information, "Plugin {PluginId} renewed its token {KeyId}, valid until {ExpiresAt:O}")]
    public static partial void TokenRenewed(ILogger logger, string pluginId, DateTimeOffset expiresAt, string keyId);

    [LoggerMessage(7021, LogLevel.Warning, "Plugin {PluginId} could not renew its token (attempt {Attempt}); retrying in {Delay}. {Failure}")]
    public static partial void RenewalRetrying(ILogger logger, string pluginId, string failure, int attempt, TimeSpan delay);

    [LoggerMessage(7022, LogLevel.Warning, "Plugin {PluginId} token expired at {ExpiresAt:O} before it could be renewed; registering again")]
    public static partial void TokenLapsed(ILogger logger, string pluginId, DateTimeOffset expiresAt);

    [LoggerMessage(7023, LogLevel.Error, "Plugin {PluginId} token renewal was refused: {Advice}. Registry said {Failure}")]
    public static partial void RenewalRefused(ILogger logger, string pluginId, string failure, string advice);

    [LoggerMessage(7024, LogLevel.Warning, "Plugin {PluginId} token is no longer accepted ({Failure}); registering again")]
    public static partial void TokenRejected(ILogger logger, string pluginId, string failure);

    [LoggerMessage(7030, LogLevel.Warning, "Plugin {PluginId} heartbeat failed: {Failure}")]
    public static partial void HeartbeatFailed(ILogger logger, string pluginId, string failure);

    [LoggerMessage(7031, LogLevel.Debug, "Plugin {PluginId} heartbeat still failing: {Failure}")]
    public static partial void HeartbeatStillFailing(ILogger logger, string pluginId, string failure);

    [LoggerMessage(7032, LogLevel.Information, "Plugin {PluginId} heartbeats are getting through again")]
    public static partial void HeartbeatRecovered(ILogger logger, string pluginId);

    [LoggerMessage(7040, LogLevel.Information, "Plugin API: administrator tokens are checked with the development key {KeyId} ({Path})")]
    public static partial void DevelopmentAdminKeyLoaded(ILogger logger, string keyId, string path);

    [LoggerMessage(7041, LogLevel.Warning, "Plugin API: no key to check administrator tokens ({Key} is unset or the environment is not Development): every call to a protected endpoint is refused")]
    public static partial void NoAdministratorKey(ILogger logger, string key);

    [LoggerMessage(7050, LogLevel.Information, "Fetched {Count} caller-context keys from {Address}")]
    public static partial void CallerKeysFetched(ILogger logger, int count, Uri address);

    [LoggerMessage(7051, LogLevel.Warning, "Could not fetch the caller-context keys from {Address}; keeping the last good set")]
    public static partial void CallerKeysFetchFailed(ILogger logger, Exception exception, Uri address);
}
