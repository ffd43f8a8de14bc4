using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk;

/// <summary>
/// Where the Canonical lane (Core.Events) is and how the SDK subscribes, bound from <c>Fabrix:Plugin</c> (environment
/// variables <c>Fabrix__Plugin__*</c>) and validated when the host starts. Used by
/// <see cref="FabrixEventsExtensions.AddFabrixEvents{TBuilder}"/>.
/// </summary>
public sealed class FabrixEventsOptions
{
    /// <summary>Configuration section: <c>Fabrix:Plugin</c>, shared with <see cref="FabrixPluginOptions"/>.</summary>
    public const string SectionName = FabrixPluginOptions.SectionName;

    /// <summary>Orchestrator key of Core.Events' gRPC (h2c) address (<c>services__events__grpc__0</c>), used when <see cref="EventsAddress"/> is unset.</summary>
    public const string EventsServiceKey = "services:events:grpc:0";

    /// <summary>Absolute http(s) URL of Core.Events' gRPC endpoint (<c>Fabrix:Plugin:EventsAddress</c>), e.g. <c>http://127.0.0.1:5311</c>. Required.</summary>
    public string? EventsAddress { get; set; }

    /// <summary>First wait before opening the subscription again after it ended or failed (default 1 s).</summary>
    public TimeSpan EventsReconnectBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between two attempts to open the subscription (default 30 s).</summary>
    public TimeSpan EventsReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many handled event ids the SDK remembers to skip redeliveries in this process (default 10,000, 1 – 1,000,000).
    /// Memory is bounded: the oldest id is forgotten first, so a redelivery older than that, or one after a restart,
    /// reaches the handler again. Handlers must be idempotent in their own store (the event id is the key).
    /// </summary>
    public int EventsDedupeCapacity { get; set; } = 10_000;
}

/// <summary>Every wrong key at once.</summary>
internal sealed class FabrixEventsOptionsValidator : IValidateOptions<FabrixEventsOptions>
{
    private const string Prefix = FabrixEventsOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, FabrixEventsOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.EventsAddress))
        {
            errors.Add($"{Prefix}{nameof(options.EventsAddress)} (or {FabrixEventsOptions.EventsServiceKey}) is required by AddFabrixEvents: Core.Events' gRPC URL, e.g. http://127.0.0.1:5311.");
        }
        else if (!Uri.TryCreate(options.EventsAddress, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            errors.Add($"{Prefix}{nameof(options.EventsAddress)} '{options.EventsAddress}' is not an absolute http(s) URL without user info.");
        }

        if (options.EventsReconnectBaseDelay < TimeSpan.FromMilliseconds(10) || options.EventsReconnectBaseDelay > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{Prefix}{nameof(options.EventsReconnectBaseDelay)} must be between 00:00:00.010 and 00:05:00.");
        }

        if (options.EventsReconnectMaxDelay < options.EventsReconnectBaseDelay || options.EventsReconnectMaxDelay > TimeSpan.FromHours(1))
        {
            errors.Add($"{Prefix}{nameof(options.EventsReconnectMaxDelay)} must be at least {nameof(options.EventsReconnectBaseDelay)} and at most 01:00:00.");
        }

        if (options.EventsDedupeCapacity is < 1 or > 1_000_000)
        {
            errors.Add($"{Prefix}{nameof(options.EventsDedupeCapacity)} must be between 1 and 1000000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
