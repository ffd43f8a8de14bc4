using System.Net;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Webhooks;

/// <summary>Outbound webhook administration (<c>Fabrix:Registry:Webhooks</c>, issue 11 section 4).</summary>
internal sealed class WebhookOptions
{
    public const string SectionName = "Fabrix:Registry:Webhooks";

    /// <summary>How long the previous secret keeps signing deliveries after a rotation (both signatures are sent).</summary>
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The core service that delivers webhooks and pushes; the only identity that may read the endpoints' and the push
    /// plugins' secrets. Core.Events' service identity, <c>events</c>, wherever it runs (the AppHost's resource name, the
    /// Kubernetes deployment's <c>Fabrix__Lanes__Identity__Name</c>).
    /// </summary>
    public string DeliveryService { get; set; } = "events";

    /// <summary>The NATS subject of a manual retry, answered by Core.Events (core-only: only the registry may publish to it).</summary>
    public string RetrySubject { get; set; } = "fabrix.control.webhooks.retry";

    /// <summary>How long a manual retry waits for Core.Events' answer (one delivery attempt).</summary>
    public TimeSpan RetryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The NATS subject on which the registry tells Core.Events the endpoints changed, after the commit (core-only).</summary>
    public string ChangedSubject { get; set; } = "fabrix.control.webhooks.changed";

    /// <summary>The NATS subject of a replay request, answered by Core.Events (core-only).</summary>
    public string ReplaySubject { get; set; } = "fabrix.control.webhooks.replay";

    /// <summary>How long a replay request waits for Core.Events' answer (it starts the replay; it does not wait for the deliveries).</summary>
    public TimeSpan ReplayTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// TEST ONLY: one exact address range (CIDR) whose literal addresses count as public and may be reached over plain
    /// http, so a test's loopback receiver can stand in for the internet. Off by default; refused outside Development.
    /// </summary>
    public string? UnsafeTestOnlyAllowedRange { get; set; }

    /// <summary>The test allowance, parsed; null when off.</summary>
    public IPNetwork? TestAllowance() => string.IsNullOrWhiteSpace(UnsafeTestOnlyAllowedRange) ? null : IPNetwork.Parse(UnsafeTestOnlyAllowedRange);
}

/// <summary>Reports every bad <see cref="WebhookOptions"/> key at once.</summary>
internal sealed class WebhookOptionsValidator(IHostEnvironment environment) : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var errors = new List<string>();
        var root = WebhookOptions.SectionName;
        if (options.SecretOverlap < TimeSpan.Zero || options.SecretOverlap > TimeSpan.FromDays(30))
        {
            errors.Add($"{root}:SecretOverlap must be between 0 and 30 days (was {options.SecretOverlap}).");
        }

        if (string.IsNullOrWhiteSpace(options.DeliveryService))
        {
            errors.Add($"{root}:DeliveryService must name the core service that delivers webhooks.");
        }

        if (string.IsNullOrWhiteSpace(options.RetrySubject) || options.RetrySubject.IndexOfAny([' ', '*', '>']) >= 0)
        {
            errors.Add($"{root}:RetrySubject must be a NATS subject without wildcards (was '{options.RetrySubject}').");
        }

        if (options.RetryTimeout < TimeSpan.FromSeconds(1) || options.RetryTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{root}:RetryTimeout must be between 1 second and 5 minutes (was {options.RetryTimeout}).");
        }

        foreach (var (key, subject) in new[] { ("ChangedSubject", options.ChangedSubject), ("ReplaySubject", options.ReplaySubject) })
        {
            if (string.IsNullOrWhiteSpace(subject) || subject.IndexOfAny([' ', '*', '>']) >= 0)
            {
                errors.Add($"{root}:{key} must be a NATS subject without wildcards (was '{subject}').");
            }
        }

        if (options.ReplayTimeout < TimeSpan.FromSeconds(1) || options.ReplayTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{root}:ReplayTimeout must be between 1 second and 5 minutes (was {options.ReplayTimeout}).");
        }

        if (!string.IsNullOrWhiteSpace(options.UnsafeTestOnlyAllowedRange))
        {
            if (!environment.IsDevelopment())
            {
                errors.Add($"{root}:UnsafeTestOnlyAllowedRange is a test-only setting and is refused outside the Development environment.");
            }
            else if (!IPNetwork.TryParse(options.UnsafeTestOnlyAllowedRange, out _))
            {
                errors.Add($"{root}:UnsafeTestOnlyAllowedRange '{options.UnsafeTestOnlyAllowedRange}' is not a CIDR range.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
