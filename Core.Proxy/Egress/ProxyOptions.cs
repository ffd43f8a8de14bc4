using System.Net;
using Fabrix.Core.Lanes.Egress;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Proxy.Egress;

/// <summary>The Proxy lane's settings (<c>Fabrix:Proxy</c>), defaults for every plugin.</summary>
internal sealed class ProxyOptions
{
    public const string SectionName = "Fabrix:Proxy";

    /// <summary>The global deny list: host names or <c>*.suffix</c> patterns no plugin may reach, whatever its allowlist says.</summary>
    public List<string> DeniedDomains { get; set; } = [];

    /// <summary>Largest response body passed back to a plugin; a longer one is cut off (the connection is aborted) and audited.</summary>
    public long MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long to wait for the upstream connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for the upstream's response headers.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A <c>CONNECT</c> tunnel that moves no byte either way for this long is closed.</summary>
    public TimeSpan TunnelIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A <c>CONNECT</c> tunnel is closed after this long, busy or not.</summary>
    public TimeSpan TunnelMaxLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// TEST ONLY: one exact address range (CIDR) whose addresses count as public, so that a test's loopback receiver can
    /// stand in for the internet. Off (empty) by default; refused outside the Development environment; a warning is
    /// logged at start when it is set.
    /// </summary>
    public string? UnsafeTestOnlyAllowedRange { get; set; }

    /// <summary>
    /// TEST ONLY: <c>name=address</c> entries the proxy resolves itself instead of asking the system resolver (a local
    /// receiver's name for a test plugin's <c>allowed_domains</c>). Empty by default; refused outside Development; the
    /// address is still classified, so a loopback one also needs <see cref="UnsafeTestOnlyAllowedRange"/>.
    /// </summary>
    public List<string> UnsafeTestOnlyHosts { get; set; } = [];

    /// <summary>The deny list, parsed (validation guarantees every entry parses).</summary>
    public DomainPattern[] DeniedPatterns() => [.. DeniedDomains.Select(d => DomainPattern.Parse(d)!)];

    /// <summary>The test allowance, parsed; null when off.</summary>
    public IPNetwork? TestAllowance() => string.IsNullOrWhiteSpace(UnsafeTestOnlyAllowedRange) ? null : IPNetwork.Parse(UnsafeTestOnlyAllowedRange);
}

/// <summary>Reports every bad <see cref="ProxyOptions"/> key at once.</summary>
internal sealed class ProxyOptionsValidator(IHostEnvironment environment) : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var errors = new List<string>();
        var root = ProxyOptions.SectionName;
        for (var i = 0; i < options.DeniedDomains.Count; i++)
        {
            if (DomainPattern.Parse(options.DeniedDomains[i] ?? string.Empty) is null)
            {
                errors.Add($"{root}:DeniedDomains:{i} '{options.DeniedDomains[i]}' is not a host name or *.suffix pattern.");
            }
        }

        if (options.MaxResponseBytes is < 1 or > 1L << 40)
        {
            errors.Add($"{root}:MaxResponseBytes must be between 1 and 1 TiB (was {options.MaxResponseBytes}).");
        }

        Within(errors, $"{root}:ConnectTimeout", options.ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Within(errors, $"{root}:ResponseTimeout", options.ResponseTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(30));
        Within(errors, $"{root}:TunnelIdleTimeout", options.TunnelIdleTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        Within(errors, $"{root}:TunnelMaxLifetime", options.TunnelMaxLifetime, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));

        if (!string.IsNullOrWhiteSpace(options.UnsafeTestOnlyAllowedRange))
        {
            if (!environment.IsDevelopment())
            {
                errors.Add($"{root}:UnsafeTestOnlyAllowedRange is a test-only setting and is refused outside the Development environment.");
            }
            else if (!IPNetwork.TryParse(options.UnsafeTestOnlyAllowedRange, out _))
            {
                errors.Add($"{root}:UnsafeTestOnlyAllowedRange '{options.UnsafeTestOnlyAllowedRange}' is not a CIDR range (e.g. 127.0.0.1/32).");
            }
        }

        if (options.UnsafeTestOnlyHosts.Count > 0 && !environment.IsDevelopment())
        {
            errors.Add($"{root}:UnsafeTestOnlyHosts is a test-only setting and is refused outside the Development environment.");
        }

        for (var i = 0; i < options.UnsafeTestOnlyHosts.Count; i++)
        {
            if (!TestHostMapResolver.TryParseEntry(options.UnsafeTestOnlyHosts[i], out _, out _))
            {
                errors.Add($"{root}:UnsafeTestOnlyHosts:{i} '{options.UnsafeTestOnlyHosts[i]}' is not name=address (e.g. receiver.fabrix.test=127.0.0.2).");
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
