using Fabrix.Plugins.Sdk.Tests.Infrastructure;
using Fabrix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Fabrix.Plugins.Sdk.Tests.CallerContexts;

/// <summary>The caller-context settings: a plugin that cannot find the key set refuses to start and names the keys.</summary>
public sealed class CallerContextOptionsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Start_NoKeysAddressAndBadIntervals_FailsNamingEveryKey()
    {
        var settings = PluginUnderTest.DefaultSettings($"http://127.0.0.1:{FreePort.Next()}");
        settings["Fabrix:Plugin:CallerKeysRefreshInterval"] = "00:00:00.1";
        settings["Fabrix:Plugin:CallerKeysFetchTimeout"] = "00:10:00";
        await using var plugin = PluginUnderTest.Create(_time, settings, configure: builder => builder.AddFabrixCallerContext());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(plugin.StartAsync);

        Assert.Contains("Fabrix:Plugin:CallerKeysAddress", error.Message, StringComparison.Ordinal);
        Assert.Contains("services:registry:http:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:Plugin:CallerKeysRefreshInterval", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fabrix:Plugin:CallerKeysFetchTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_RegistryHttpAddressOnly_UsesItsKeyPath()
    {
        var settings = PluginUnderTest.DefaultSettings($"http://127.0.0.1:{FreePort.Next()}");
        settings["services:registry:http:0"] = "http://127.0.0.1:5100";
        await using var plugin = await PluginUnderTest.StartAsync(_time, settings, configure: builder => builder.AddFabrixCallerContext());

        var options = plugin.App.Services.GetRequiredService<IOptions<FabrixCallerContextOptions>>().Value;

        Assert.Equal("http://127.0.0.1:5100/.well-known/fabrix-caller-keys.json", options.CallerKeysAddress);
    }
}
