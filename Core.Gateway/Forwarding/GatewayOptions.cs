using Microsoft.Extensions.Options;

namespace Fabrix.Core.Gateway.Forwarding;

/// <summary>The Operator lane's forwarding settings (<c>Fabrix:Gateway</c>).</summary>
internal sealed class GatewayOptions
{
    public const string SectionName = "Fabrix:Gateway";

    /// <summary>Lifetime of a minted caller-context token (issue 10 section 3: 60 s at most).</summary>
    public TimeSpan CallerContextLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A cached caller context is replaced once less than this is left of it, so a target never sees one expire in flight.</summary>
    public TimeSpan CallerContextRenewBefore { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a connection to a target may take to open.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an idle pooled connection to a target is kept.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The h2c base address each target plugin serves gRPC on (<c>Fabrix:Gateway:GrpcTargets:&lt;plugin-id&gt;</c>, e.g.
    /// <c>http://127.0.0.1:5201</c>). A plugin registers one (HTTP) address with the registry; its gRPC endpoint is a
    /// second one, given to the gateway by the orchestrator. A gRPC call to a plugin without one is refused (503).
    /// </summary>
    public Dictionary<string, string> GrpcTargets { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Reports every bad <see cref="GatewayOptions"/> key at once.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        if (options.CallerContextLifetime < TimeSpan.FromSeconds(5) || options.CallerContextLifetime > TimeSpan.FromSeconds(60))
        {
            errors.Add($"{GatewayOptions.SectionName}:CallerContextLifetime must be between 00:00:05 and 00:01:00 (issue 10: 60 s at most).");
        }

        if (options.CallerContextRenewBefore <= TimeSpan.Zero || options.CallerContextRenewBefore >= options.CallerContextLifetime)
        {
            errors.Add($"{GatewayOptions.SectionName}:CallerContextRenewBefore must be positive and shorter than CallerContextLifetime.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero || options.ConnectTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{GatewayOptions.SectionName}:ConnectTimeout must be between 0 and 00:01:00 (exclusive of 0).");
        }

        if (options.PooledConnectionIdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{GatewayOptions.SectionName}:PooledConnectionIdleTimeout must be positive.");
        }

        foreach (var (plugin, address) in options.GrpcTargets)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/")
            {
                errors.Add($"{GatewayOptions.SectionName}:GrpcTargets:{plugin} must be an absolute http(s) base address without a path (was '{address}').");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
