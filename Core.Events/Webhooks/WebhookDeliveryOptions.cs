using System.Net;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Events.Webhooks;

/// <summary>Outbound webhook delivery (<c>Fabrix:Events:Webhooks</c>, issue 11 section 4).</summary>
internal sealed class WebhookDeliveryOptions
{
    public const string SectionName = "Fabrix:Events:Webhooks";

    /// <summary>Whether Core.Events delivers webhooks at all (it needs the registry's WebhookTargets service).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How often the endpoints (with their secrets) are read again from the registry regardless of notices. The registry
    /// announces every change on <see cref="ChangedSubject"/> and Core.Events reads at once; this poll is the safety net
    /// for a notice lost (NATS down, Core.Events restarting), so it can be long.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The wait before each attempt: the first is immediate, then Svix's schedule (issue 11 section 4): 5 s, 5 min,
    /// 30 min, 2 h, 5 h, 10 h, 10 h. After the last attempt fails, the event is given up for that endpoint.
    /// </summary>
    public List<TimeSpan> Schedule { get; set; } = [];

    /// <summary>Each wait is multiplied by a random factor in [1 - Jitter, 1 + Jitter], so endpoints that failed together do not retry together.</summary>
    public double Jitter { get; set; } = 0.1;

    /// <summary>The longest <c>Retry-After</c> of a 429 or 503 that is honoured; a longer one waits this long.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(10);

    /// <summary>An endpoint whose every attempt failed for this long is disabled.</summary>
    public TimeSpan FailurePeriod { get; set; } = TimeSpan.FromDays(5);

    /// <summary>How long to wait for the connection (the address is checked first).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt may take, response included.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Events awaiting settlement per endpoint (JetStream's max ack pending): attempts in progress plus failed ones waiting
    /// out their retry delay. An endpoint with this many unsettled events receives no new ones until some settle (they
    /// stay in the stream: back-pressure, nothing is lost). A retry waits as an unsettled message (nak with delay) for as
    /// long as the schedule says, hours at its end, so this bounds how many failing events an endpoint can have before
    /// its other events stop too: about (events failing per second) × (the schedule's total wait, ~27.6 h) at steady
    /// state. 10,000 (64 until 2026-12-07, when 64 events waiting for a retry hours away stopped every other delivery to
    /// the endpoint that long); each costs nats-server a pending entry of about a hundred bytes.
    /// </summary>
    public int MaxInFlight { get; set; } = 10_000;

    /// <summary>
    /// Attempts made at the same time to one endpoint (at most <see cref="MaxInFlight"/>). Standard Webhooks promises no
    /// order, and one request at a time would cap an endpoint at one round trip per event. 16 (8 until 2026-12-07): each
    /// delivery costs Core.Events and nats-server less when more of them share a wake-up and a pull (benchmarks/README.md,
    /// "twelfth session"), and a receiver that cannot take it answers 429 or 503 and is retried after its Retry-After.
    /// </summary>
    public int ParallelAttempts { get; set; } = 16;

    /// <summary>The NATS subject of manual retries; only the registry may publish to it.</summary>
    public string RetrySubject { get; set; } = "fabrix.control.webhooks.retry";

    /// <summary>The NATS subject on which the registry announces endpoint changes (after its commit); only the registry may publish to it.</summary>
    public string ChangedSubject { get; set; } = "fabrix.control.webhooks.changed";

    /// <summary>The NATS subject of replay requests; only the registry may publish to it.</summary>
    public string ReplaySubject { get; set; } = "fabrix.control.webhooks.replay";

    /// <summary>How often a replay in progress checks whether it is complete while it has nothing to deliver (waiting for a retry).</summary>
    public TimeSpan ReplayCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// TEST ONLY: one exact address range (CIDR) whose addresses count as public, for a test's loopback receiver. Off by
    /// default; refused outside Development.
    /// </summary>
    public string? UnsafeTestOnlyAllowedRange { get; set; }

    /// <summary>The default schedule when none is configured.</summary>
    public static IReadOnlyList<TimeSpan> DefaultSchedule { get; } =
    [
        TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>The configured schedule, or <see cref="DefaultSchedule"/>.</summary>
    public IReadOnlyList<TimeSpan> Attempts() => Schedule.Count == 0 ? DefaultSchedule : Schedule;

    public IPNetwork? TestAllowance() => string.IsNullOrWhiteSpace(UnsafeTestOnlyAllowedRange) ? null : IPNetwork.Parse(UnsafeTestOnlyAllowedRange);
}

/// <summary>Reports every bad <see cref="WebhookDeliveryOptions"/> key at once.</summary>
internal sealed class WebhookDeliveryOptionsValidator(IHostEnvironment environment) : IValidateOptions<WebhookDeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookDeliveryOptions options)
    {
        var errors = new List<string>();
        var root = WebhookDeliveryOptions.SectionName;
        Within(errors, $"{root}:RefreshInterval", options.RefreshInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        for (var i = 0; i < options.Schedule.Count; i++)
        {
            Within(errors, $"{root}:Schedule:{i}", options.Schedule[i], TimeSpan.Zero, TimeSpan.FromDays(1));
        }

        if (options.Schedule.Count > 20)
        {
            errors.Add($"{root}:Schedule has at most 20 attempts (has {options.Schedule.Count}).");
        }

        if (options.Jitter is < 0 or > 0.5 || double.IsNaN(options.Jitter))
        {
            errors.Add($"{root}:Jitter must be between 0 and 0.5 (was {options.Jitter}).");
        }

        Within(errors, $"{root}:MaxRetryAfter", options.MaxRetryAfter, TimeSpan.Zero, TimeSpan.FromDays(1));
        Within(errors, $"{root}:FailurePeriod", options.FailurePeriod, TimeSpan.FromMinutes(1), TimeSpan.FromDays(60));
        Within(errors, $"{root}:ConnectTimeout", options.ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2));
        Within(errors, $"{root}:RequestTimeout", options.RequestTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        if (options.MaxInFlight is < 1 or > 1_000_000)
        {
            errors.Add($"{root}:MaxInFlight must be between 1 and 1000000 (was {options.MaxInFlight}).");
        }

        if (options.ParallelAttempts < 1 || options.ParallelAttempts > Math.Max(1, options.MaxInFlight))
        {
            errors.Add($"{root}:ParallelAttempts must be between 1 and MaxInFlight ({options.MaxInFlight}) (was {options.ParallelAttempts}).");
        }

        foreach (var (key, subject) in new[] { ("RetrySubject", options.RetrySubject), ("ChangedSubject", options.ChangedSubject), ("ReplaySubject", options.ReplaySubject) })
        {
            if (string.IsNullOrWhiteSpace(subject) || subject.IndexOfAny([' ', '*', '>']) >= 0)
            {
                errors.Add($"{root}:{key} must be a NATS subject without wildcards (was '{subject}').");
            }
        }

        // A pull of at least one second (the server's floor for an expiring pull request).
        Within(errors, $"{root}:ReplayCheckInterval", options.ReplayCheckInterval, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

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

    private static void Within(List<string> errors, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key} must be between {min} and {max} (was {value}).");
        }
    }
}
