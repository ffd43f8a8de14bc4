using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Delivery;

/// <summary>The delivery side (<c>Fabrix:Events:Delivery</c>).</summary>
internal sealed class DeliveryOptions
{
    public const string SectionName = "Fabrix:Events:Delivery";

    /// <summary>How long a delivery may stay unsettled before JetStream redelivers it (the ack timeout).</summary>
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries of one event to one subscriber before it goes to the dead-letter stream.</summary>
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>
    /// Wait before redelivering a nacked event: entry n-1 after the n-th delivery, the last entry for every later one.
    /// </summary>
    public List<TimeSpan> NackBackoff { get; set; } = [];

    /// <summary>Unsettled deliveries per (subscriber, type) at once (the consumer's max_ack_pending).</summary>
    public int MaxInFlight { get; set; } = 256;

    /// <summary>The backoff used when <see cref="NackBackoff"/> is not configured.</summary>
    public static IReadOnlyList<TimeSpan> DefaultNackBackoff { get; } =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)];

    /// <summary>The wait before redelivering an event nacked at its <paramref name="attempt"/>-th delivery.</summary>
    public TimeSpan NackDelay(int attempt)
    {
        var schedule = NackBackoff.Count > 0 ? (IReadOnlyList<TimeSpan>)NackBackoff : DefaultNackBackoff;
        return schedule[Math.Clamp(attempt - 1, 0, schedule.Count - 1)];
    }
}

internal sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var errors = new List<string>();
        if (options.AckWait < TimeSpan.FromMilliseconds(100) || options.AckWait > TimeSpan.FromHours(1))
        {
            errors.Add($"{DeliveryOptions.SectionName}:AckWait must be 00:00:00.100-01:00:00.");
        }

        if (options.MaxDeliveries is < 1 or > 100)
        {
            errors.Add($"{DeliveryOptions.SectionName}:MaxDeliveries must be 1-100.");
        }

        for (var i = 0; i < options.NackBackoff.Count; i++)
        {
            if (options.NackBackoff[i] < TimeSpan.Zero || options.NackBackoff[i] > TimeSpan.FromHours(1))
            {
                errors.Add($"{DeliveryOptions.SectionName}:NackBackoff:{i} must be 00:00:00-01:00:00.");
            }
        }

        if (options.MaxInFlight is < 1 or > 10_000)
        {
            errors.Add($"{DeliveryOptions.SectionName}:MaxInFlight must be 1-10000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
