using Fabrix.Core.Events.Webhooks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace Fabrix.Core.Events.Tests.Webhooks;

/// <summary>The validation of <c>Fabrix:Events:Webhooks</c> keys that bound an endpoint's concurrency.</summary>
public sealed class WebhookDeliveryOptionsTests
{
    private static readonly WebhookDeliveryOptionsValidator Validator = new(new HostingEnvironment { EnvironmentName = Environments.Production });

    [Fact]
    public void Validate_Defaults_Accepted() => Assert.True(Validator.Validate(null, new WebhookDeliveryOptions()).Succeeded);

    [Theory]
    [InlineData(0)]
    [InlineData(1_000_001)]
    public void Validate_MaxInFlightOutsideOneToAMillion_RefusedNamingTheKey(int maxInFlight)
    {
        var result = Validator.Validate(null, new WebhookDeliveryOptions { MaxInFlight = maxInFlight, ParallelAttempts = 1 });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Fabrix:Events:Webhooks:MaxInFlight must be between 1 and 1000000", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public void Validate_ParallelAttemptsOutsideOneToMaxInFlight_RefusedNamingTheKey(int parallel)
    {
        var result = Validator.Validate(null, new WebhookDeliveryOptions { MaxInFlight = 32, ParallelAttempts = parallel });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Fabrix:Events:Webhooks:ParallelAttempts must be between 1 and MaxInFlight (32)", StringComparison.Ordinal));
    }
}
