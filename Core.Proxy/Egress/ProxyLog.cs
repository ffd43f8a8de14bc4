namespace Fabrix.Core.Proxy.Egress;

/// <summary>Core.Proxy's log events (EventIds 9600–9699). Never a token, a header value or a body.</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(9600, LogLevel.Warning, "Fabrix:Proxy:UnsafeTestOnlyAllowedRange is set to {Range}: addresses in it count as public. This is for tests only.")]
    public static partial void TestAllowanceOn(ILogger logger, string range);

    [LoggerMessage(9601, LogLevel.Information, "Response to plugin {PluginId} from {Host} passed {Cap} bytes and was cut off.")]
    public static partial void ResponseTooLarge(ILogger logger, string pluginId, string host, long cap);

    [LoggerMessage(9602, LogLevel.Information, "Upstream {Host} failed for plugin {PluginId}: {Failure}.")]
    public static partial void UpstreamFailed(ILogger logger, string pluginId, string host, string failure);

    [LoggerMessage(9690, LogLevel.Warning, "Fabrix:Proxy:UnsafeTestOnlyHosts is set: the proxy resolves {Hosts} itself. This is for tests only.")]
    public static partial void TestHostsOn(ILogger logger, string hosts);
}
