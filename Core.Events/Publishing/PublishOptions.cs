using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Publishing;

/// <summary>The publish side (<c>Fabrix:Events:Publish</c>).</summary>
internal sealed class PublishOptions
{
    public const string SectionName = "Fabrix:Events:Publish";

    /// <summary>A plugin's publish rate when no administrator override is set (LaneLimits canonical publish rps).</summary>
    public double TokensPerSecond { get; set; } = 200;

    /// <summary>A plugin's publish burst when no override is set.</summary>
    public int Burst { get; set; } = 400;

    /// <summary>How long a publish waits for JetStream's acknowledgement before it is refused as back-pressure.</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The retry hint given with a back-pressure refusal.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest payload (HTTP body or protobuf data) accepted.</summary>
    public int MaxPayloadBytes { get; set; } = 256 * 1024;

    /// <summary>Most events in one <c>PublishBatch</c>.</summary>
    public int MaxBatch { get; set; } = 500;
}

internal sealed class PublishOptionsValidator : IValidateOptions<PublishOptions>
{
    public ValidateOptionsResult Validate(string? name, PublishOptions options)
    {
        var errors = new List<string>();
        if (!(options.TokensPerSecond > 0 && options.TokensPerSecond <= 1_000_000))
        {
            errors.Add($"{PublishOptions.SectionName}:TokensPerSecond must be in (0, 1000000].");
        }

        if (options.Burst is < 1 or > 1_000_000)
        {
            errors.Add($"{PublishOptions.SectionName}:Burst must be 1-1000000.");
        }

        if (options.AckTimeout < TimeSpan.FromMilliseconds(10) || options.AckTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{PublishOptions.SectionName}:AckTimeout must be 00:00:00.010-00:01:00.");
        }

        if (options.RetryAfter < TimeSpan.FromMilliseconds(1) || options.RetryAfter > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{PublishOptions.SectionName}:RetryAfter must be 00:00:00.001-00:05:00.");
        }

        if (options.MaxPayloadBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add($"{PublishOptions.SectionName}:MaxPayloadBytes must be 1024-1048576 (NATS' default max_payload is 1 MiB).");
        }

        if (options.MaxBatch is < 1 or > 10_000)
        {
            errors.Add($"{PublishOptions.SectionName}:MaxBatch must be 1-10000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
