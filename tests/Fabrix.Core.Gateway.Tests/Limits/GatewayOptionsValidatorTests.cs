using Fabrix.Core.Gateway.Forwarding;
using Fabrix.Core.Gateway.Limits;

namespace Fabrix.Core.Gateway.Tests.Limits;

/// <summary>Bad gateway settings stop the start naming every bad key.</summary>
public sealed class GatewayOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(new GatewayOptionsValidator().Validate(null, new GatewayOptions()).Succeeded);
        Assert.True(new GatewayLimitsOptionsValidator().Validate(null, new GatewayLimitsOptions()).Succeeded);
    }

    [Fact]
    public void Validate_CallerContextLongerThanSixtySecondsAndRenewalPastItsLife_NamesBothKeys()
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions
        {
            CallerContextLifetime = TimeSpan.FromSeconds(61),
            CallerContextRenewBefore = TimeSpan.FromSeconds(90),
        });

        Assert.Contains(result.Failures!, f => f.Contains("Fabrix:Gateway:CallerContextLifetime", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Fabrix:Gateway:CallerContextRenewBefore", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadLimits_NamesEveryBadKey()
    {
        var result = new GatewayLimitsOptionsValidator().Validate(null, new GatewayLimitsOptions
        {
            RateLimit = new RateLimitOptions { TokensPerSecond = 0, Burst = -1 },
            MaxRequestBodyBytes = -1,
            TargetTimeout = TimeSpan.Zero,
        });

        Assert.Equal(4, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.Contains("Fabrix:Gateway:Limits:TargetTimeout", StringComparison.Ordinal));
    }
}
