using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Policy;

/// <summary>Settings under <c>Fabrix:Registry:Policy</c>.</summary>
internal sealed class PolicyOptions
{
    public const string SectionName = "Fabrix:Registry:Policy";

    /// <summary>
    /// How often every WatchPolicy stream gets a heartbeat, and how often this replica re-reads the revision in case a
    /// <c>fabrix.policy.changed</c> message was lost. Must stay well below the lanes' <c>StaleAfter</c> (default 30 s).
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a lane instance's last status report is kept: one that stopped reporting leaves the list after it.</summary>
    public TimeSpan LaneStatusRetention { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Reports every bad <c>Fabrix:Registry:Policy</c> key at once.</summary>
internal sealed class PolicyOptionsValidator : IValidateOptions<PolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicyOptions options)
    {
        var errors = new List<string>();
        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(100) || options.HeartbeatInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{PolicyOptions.SectionName}:HeartbeatInterval must be between 00:00:00.100 and 00:01:00 (was {options.HeartbeatInterval}).");
        }

        if (options.LaneStatusRetention < TimeSpan.FromMinutes(1) || options.LaneStatusRetention > TimeSpan.FromDays(7))
        {
            errors.Add($"{PolicyOptions.SectionName}:LaneStatusRetention must be between 00:01:00 and 7.00:00:00 (was {options.LaneStatusRetention}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
