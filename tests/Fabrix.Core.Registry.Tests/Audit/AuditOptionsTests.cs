using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>Retention is a floor of at least one year, seven years by default; bad values stop start-up by key.</summary>
public sealed class AuditOptionsTests(RegistryHost host) : IClassFixture<RegistryHost>
{
    [Fact]
    public void Retention_NotConfigured_DefaultsToSevenYears()
    {
        var options = host.Factory.Services.GetRequiredService<IOptions<AuditOptions>>().Value;

        Assert.Equal(TimeSpan.FromDays(2557), options.Retention);
        Assert.Equal(TimeSpan.FromMinutes(1), options.CheckpointInterval);
        Assert.Equal(TimeSpan.FromHours(1), options.RowCountInterval);
    }

    [Fact]
    public async Task Start_RetentionUnderOneYearAndZeroInterval_FailsNamingBothKeys()
    {
        var settings = host.Settings();
        settings["Fabrix:Registry:Audit:Retention"] = "364.00:00:00";
        settings["Fabrix:Registry:Audit:CheckpointInterval"] = "00:00:00";
        await using var factory = new RegistryFactory(settings);

        var error = factory.StartupFailure();

        Assert.Contains("Fabrix:Registry:Audit:Retention", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:Registry:Audit:CheckpointInterval", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("365.00:00:00", true)]
    [InlineData("2557.00:00:00", true)]
    [InlineData("364.23:59:59", false)]
    public void Validator_Retention_AtLeastOneYear(string retention, bool valid)
    {
        var result = new AuditOptionsValidator().Validate(null, new AuditOptions { Retention = TimeSpan.Parse(retention, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(valid, result.Succeeded);
    }

    [Theory]
    [InlineData("00:00:00", true)]
    [InlineData("7.00:00:00", true)]
    [InlineData("-00:00:01", false)]
    [InlineData("7.00:00:01", false)]
    public void Validator_RowCountInterval_ZeroToSevenDays(string interval, bool valid)
    {
        var result = new AuditOptionsValidator().Validate(null, new AuditOptions { RowCountInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(valid, result.Succeeded);
        Assert.Equal(valid, result.FailureMessage?.Contains("Fabrix:Registry:Audit:RowCountInterval", StringComparison.Ordinal) != true);
    }

    [Fact]
    public async Task Start_BadAnchorFoldingAndRateLimitKeys_FailsNamingEveryKey()
    {
        var settings = host.Settings();
        settings["Fabrix:Registry:Audit:AnchorStream"] = "has.dots";
        settings["Fabrix:Registry:Audit:AnchorSubject"] = "wild.*";
        settings["Fabrix:Registry:Audit:RefusalFoldWindow"] = "02:00:00";
        settings["Fabrix:Registry:Audit:RefusalFoldMaxSources"] = "0";
        settings["Fabrix:Registry:RateLimiting:PermitLimit"] = "0";
        settings["Fabrix:Registry:RateLimiting:Window"] = "00:00:00";
        await using var factory = new RegistryFactory(settings);

        var error = factory.StartupFailure();

        foreach (var key in (string[])["Audit:AnchorStream", "Audit:AnchorSubject", "Audit:RefusalFoldWindow", "Audit:RefusalFoldMaxSources",
                     "RateLimiting:PermitLimit", "RateLimiting:Window"])
        {
            Assert.Contains($"Fabrix:Registry:{key}", error.Message, StringComparison.Ordinal);
        }
    }
}
