using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Policy;

/// <summary><c>Fabrix:Lanes:Policy</c>: where the registry is and how old a snapshot may get.</summary>
public sealed class PolicySnapshotOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Fabrix:Lanes:Policy";

    /// <summary>The registry's gRPC address (h2c or TLS), e.g. <c>http://127.0.0.1:5101</c>.</summary>
    public Uri? RegistryAddress { get; set; }

    /// <summary>
    /// Age (since the registry last confirmed it) past which the snapshot is not used and the lane refuses everything
    /// (issue 9: default 30 s). 1 s – 1 h; keep it above a few registry heartbeat intervals (default 5 s).
    /// </summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First delay before reconnecting after the stream broke; doubled per failed attempt. 10 ms – 1 min.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between reconnect attempts. At least <see cref="ReconnectDelay"/>, at most 5 min.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the lane reports its status (revision, staleness, audit buffer) to the registry (issue 9 section 6). 1 s – 5 min.</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// This instance's id in status reports; empty (the default) means <c>&lt;host name&gt;:&lt;process id&gt;</c>. At most
    /// 128 printable characters.
    /// </summary>
    public string InstanceId { get; set; } = string.Empty;
}

/// <summary>Reports every bad <c>Fabrix:Lanes:Policy</c> key at once.</summary>
internal sealed class PolicySnapshotOptionsValidator : IValidateOptions<PolicySnapshotOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicySnapshotOptions options)
    {
        var errors = new List<string>();
        const string Section = PolicySnapshotOptions.SectionName;
        if (options.RegistryAddress is not { IsAbsoluteUri: true } address || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{Section}:RegistryAddress must be an absolute http:// or https:// address of the registry's gRPC endpoint (was '{options.RegistryAddress}').");
        }

        if (options.StaleAfter < TimeSpan.FromSeconds(1) || options.StaleAfter > TimeSpan.FromHours(1))
        {
            errors.Add($"{Section}:StaleAfter must be between 00:00:01 and 01:00:00 (was {options.StaleAfter}).");
        }

        if (options.ReconnectDelay < TimeSpan.FromMilliseconds(10) || options.ReconnectDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{Section}:ReconnectDelay must be between 00:00:00.010 and 00:01:00 (was {options.ReconnectDelay}).");
        }

        if (options.MaxReconnectDelay < options.ReconnectDelay || options.MaxReconnectDelay > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{Section}:MaxReconnectDelay must be between ReconnectDelay and 00:05:00 (was {options.MaxReconnectDelay}).");
        }

        if (options.StatusInterval < TimeSpan.FromSeconds(1) || options.StatusInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{Section}:StatusInterval must be between 00:00:01 and 00:05:00 (was {options.StatusInterval}).");
        }

        if (options.InstanceId.Length > 128 || options.InstanceId.Any(char.IsControl))
        {
            errors.Add($"{Section}:InstanceId must be at most 128 characters without control characters.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
