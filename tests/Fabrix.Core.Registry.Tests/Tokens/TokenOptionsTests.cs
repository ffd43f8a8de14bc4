using Fabrix.Core.Registry.Tests.Infrastructure;
using Fabrix.Core.Registry.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Tests.Tokens;

/// <summary>The token feature binds its own options from the keys it always had, directly under <c>Fabrix:Registry</c>.</summary>
public sealed class TokenOptionsTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    [Fact]
    public async Task Bind_FlatRegistryKeys_ReachTheTokenOptions()
    {
        var settings = host.Settings();
        settings["Fabrix:Registry:TokenLifetime"] = "00:05:00";
        settings["Fabrix:Registry:KeyRotationInterval"] = "02:00:00";
        settings["Fabrix:Registry:KeyRotationCheckPeriod"] = "00:00:30";
        settings["Fabrix:Registry:ClockSkew"] = "00:00:20";
        await using var factory = new RegistryFactory(settings);

        var options = factory.Services.GetRequiredService<IOptions<TokenOptions>>().Value;

        Assert.Equal(
            (TimeSpan.FromMinutes(5), TimeSpan.FromHours(2), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), settings["Fabrix:Registry:KeyRingPath"]),
            (options.TokenLifetime, options.KeyRotationInterval, options.KeyRotationCheckPeriod, options.ClockSkew, options.KeyRingPath));
    }

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        var result = new TokenOptionsValidator().Validate(null, new TokenOptions { KeyRingPath = "/keys" });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_SeveralBadKeys_ReportsEveryOneByItsKey()
    {
        var options = new TokenOptions
        {
            KeyRingPath = " ",
            TokenLifetime = TimeSpan.FromHours(25),
            KeyRotationInterval = TimeSpan.FromMinutes(1),
            KeyRotationCheckPeriod = TimeSpan.Zero,
            ClockSkew = TimeSpan.FromMinutes(11),
        };

        var failures = new TokenOptionsValidator().Validate(null, options).Failures!;

        Assert.Equal(
            ["KeyRingPath", "TokenLifetime", "KeyRotationInterval", "KeyRotationCheckPeriod", "ClockSkew", "KeyRotationInterval"],
            failures.Select(f => f["Fabrix:Registry:".Length..f.IndexOfAny([' ', '('])]));
    }

    [Fact]
    public void Validate_RotationNotLongerThanTokenLifetime_Fails()
    {
        var options = new TokenOptions { KeyRingPath = "/keys", TokenLifetime = TimeSpan.FromHours(1), KeyRotationInterval = TimeSpan.FromHours(1) };

        var failure = Assert.Single(new TokenOptionsValidator().Validate(null, options).Failures!);

        Assert.StartsWith("Fabrix:Registry:KeyRotationInterval (01:00:00) must be longer than Fabrix:Registry:TokenLifetime", failure, StringComparison.Ordinal);
    }
}
