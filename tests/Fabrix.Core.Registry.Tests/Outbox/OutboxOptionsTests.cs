using Fabrix.Core.Registry.Outbox;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Tests.Outbox;

/// <summary>The outbox binds its own options from the key it always had, <c>Fabrix:Registry:OutboxPollInterval</c>.</summary>
public sealed class OutboxOptionsTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    [Fact]
    public void Bind_OutboxPollInterval_ReachesTheOutboxOptions()
    {
        var options = host.Factory.Services.GetRequiredService<IOptions<OutboxOptions>>().Value;

        Assert.Equal(TimeSpan.FromMilliseconds(500), options.OutboxPollInterval);
    }

    [Theory]
    [InlineData("00:00:00.099", false)]
    [InlineData("00:00:00.100", true)]
    [InlineData("00:05:00", true)]
    [InlineData("00:05:01", false)]
    public void Validate_PollInterval_Between100MillisecondsAnd5Minutes(string interval, bool valid)
    {
        var result = new OutboxOptionsValidator().Validate(null, new OutboxOptions { OutboxPollInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(valid, result.Succeeded);
        Assert.True(valid || result.FailureMessage!.StartsWith("Fabrix:Registry:OutboxPollInterval must be between", StringComparison.Ordinal));
    }
}
