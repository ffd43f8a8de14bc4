using Fabrix.Core.Lanes.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Fabrix.Core.Lanes.Tests.Tokens;

/// <summary>How a lane registers the check: one line, configuration validated on start.</summary>
public sealed class PluginTokenCheckExtensionsTests
{
    [Fact]
    public void AddPluginTokenCheck_RegistryHttpEndpointKnown_JwksAddressDerivedFromIt()
    {
        using var host = Build(new Dictionary<string, string?> { ["services:registry:http:0"] = "http://127.0.0.1:5101" });

        var options = host.Services.GetRequiredService<IOptions<PluginTokenOptions>>().Value;
        var check = host.Services.GetRequiredService<PluginTokenCheck>();

        Assert.Equal("http://127.0.0.1:5101/.well-known/jwks.json", options.JwksAddress);
        Assert.NotNull(check);
    }

    [Fact]
    public void AddPluginTokenCheck_ExplicitJwksAddress_WinsOverTheRegistryEndpoint()
    {
        using var host = Build(new Dictionary<string, string?>
        {
            ["services:registry:http:0"] = "http://127.0.0.1:5101",
            ["Fabrix:Lanes:Tokens:JwksAddress"] = "https://registry.example/.well-known/jwks.json",
        });

        var options = host.Services.GetRequiredService<IOptions<PluginTokenOptions>>().Value;

        Assert.Equal("https://registry.example/.well-known/jwks.json", options.JwksAddress);
    }

    [Fact]
    public async Task AddPluginTokenCheck_NoRegistryAddress_RefusesToStartNamingTheKey()
    {
        using var host = Build(new Dictionary<string, string?> { ["Fabrix:Lanes:Tokens:CacheCapacity"] = "0" });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(failure.Failures, f => f.Contains("Fabrix:Lanes:Tokens:JwksAddress", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.Contains("Fabrix:Lanes:Tokens:CacheCapacity", StringComparison.Ordinal));
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IPluginTokenPolicy>(new InMemoryTokenPolicy());
        builder.AddPluginTokenCheck();
        return builder.Build();
    }
}
