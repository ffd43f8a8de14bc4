using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Delivery.Push;

/// <summary>HTTP push delivery to plugins (<c>Fabrix:Events:Push</c>, issue 11 section 3).</summary>
internal sealed class PushOptions
{
    public const string SectionName = "Fabrix:Events:Push";

    /// <summary>Whether Core.Events pushes at all (it needs the registry's PushTargets service).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the push targets (paths and secrets) are read again from the registry; also read on every snapshot change naming a plugin.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for the plugin's connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one push may take, response included; no answer in time is a nack. Must be shorter than
    /// <c>Fabrix:Events:Delivery:AckWait</c>, or JetStream would redeliver while the push is still under way. Unset:
    /// 10 s, or half the ack wait when that is shorter (<see cref="RequestTimeoutFor"/>).
    /// </summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>The request timeout in effect with the ack wait <paramref name="ackWait"/>.</summary>
    public TimeSpan RequestTimeoutFor(TimeSpan ackWait) => RequestTimeout ?? TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, ackWait.Ticks / 2));

    /// <summary>Pushes in flight per (plugin, type) at once.</summary>
    public int MaxConcurrency { get; set; } = 16;
}

/// <summary>Reports every bad <see cref="PushOptions"/> key at once.</summary>
internal sealed class PushOptionsValidator(IOptions<DeliveryOptions> delivery) : IValidateOptions<PushOptions>
{
    public ValidateOptionsResult Validate(string? name, PushOptions options)
    {
        var errors = new List<string>();
        var root = PushOptions.SectionName;
        if (options.RefreshInterval < TimeSpan.FromMilliseconds(100) || options.RefreshInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{root}:RefreshInterval must be 00:00:00.100-01:00:00.");
        }

        if (options.ConnectTimeout < TimeSpan.FromMilliseconds(100) || options.ConnectTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{root}:ConnectTimeout must be 00:00:00.100-00:01:00.");
        }

        if (options.RequestTimeout is { } timeout && (timeout < TimeSpan.FromMilliseconds(100) || timeout >= delivery.Value.AckWait))
        {
            errors.Add($"{root}:RequestTimeout must be at least 00:00:00.100 and shorter than {DeliveryOptions.SectionName}:AckWait ({delivery.Value.AckWait}).");
        }

        if (options.MaxConcurrency is < 1 or > 1000)
        {
            errors.Add($"{root}:MaxConcurrency must be 1-1000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
