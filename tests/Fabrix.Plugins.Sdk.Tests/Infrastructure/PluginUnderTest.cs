using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fabrix.Plugins.Sdk.Tests.Infrastructure;

/// <summary>
/// A minimal plugin app that uses the SDK exactly as a plugin author would (<c>AddFabrixPlugin</c>,
/// <c>MapFabrixPlugin</c>), on Kestrel with a loopback port, a manifest in a temporary content root and a fake clock.
/// </summary>
public sealed class PluginUnderTest : IAsyncDisposable
{
    public const string PluginId = "sdk-test-plugin";

    /// <summary>A valid manifest, deliberately formatted unusually: registration must send this exact text.</summary>
    public const string ValidManifest = """
        {
          "id": "sdk-test-plugin",   "name": "SDK test plugin",
          "version": "1.2.3",
          "contracts": ["IdentityPlugin"],
          "traits": ["audit_required"],
          "security": { "authentication_required": true, "data_classification": ["internal"] },
          "compliance": { "audit_level": "basic" },
          "health_check": { "type": "http", "port": 5999, "path": "/health" }
        }
        """;

    private readonly string _contentRoot;
    private bool _started;

    private PluginUnderTest(WebApplication app, string contentRoot, CollectingLoggerProvider logs)
    {
        App = app;
        _contentRoot = contentRoot;
        Logs = logs;
    }

    public WebApplication App { get; }

    public CollectingLoggerProvider Logs { get; }

    public IFabrixPlugin Plugin => App.Services.GetRequiredService<IFabrixPlugin>();

    /// <summary>The Kestrel address the plugin listens on (known after start).</summary>
    public string Address => App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>A registration credential in the registry's format; the tests look for it in every log line.</summary>
    public const string Credential = "fxrc_0123456789abcdef_S3cr3t-Value_That-Must-Never-Be-Logged-0000";

    /// <summary>Settings every test plugin gets unless overridden: fast backoff, heartbeats out of the way.</summary>
    public static Dictionary<string, string?> DefaultSettings(string registryAddress) => new()
    {
        ["services:registry:grpc:0"] = registryAddress,
        ["Fabrix:Plugin:RegistrationCredential"] = Credential,
        ["Fabrix:Plugin:RetryBaseDelay"] = "00:00:01",
        ["Fabrix:Plugin:RetryMaxDelay"] = "00:00:05",
        ["Fabrix:Plugin:RefusedRetryInterval"] = "00:01:00",
        ["Fabrix:Plugin:HeartbeatInterval"] = "01:00:00",
        ["Fabrix:Plugin:CallTimeout"] = "00:05:00",
    };

    /// <summary>Builds the app without starting it.</summary>
    public static PluginUnderTest Create(
        TimeProvider timeProvider,
        IReadOnlyDictionary<string, string?> settings,
        string? manifestJson = ValidManifest,
        Action<WebApplication>? map = null,
        IPAddress? listenOn = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var contentRoot = Directory.CreateTempSubdirectory("fabrix-sdk-test-").FullName;
        if (manifestJson is not null)
        {
            File.WriteAllText(Path.Combine(contentRoot, "manifest.json"), manifestJson);
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = contentRoot,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        var logs = new CollectingLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(listenOn ?? IPAddress.Loopback, 0));
        builder.Services.AddSingleton(timeProvider);

        builder.AddFabrixPlugin();
        configure?.Invoke(builder);

        var app = builder.Build();
        if (map is null)
        {
            app.MapFabrixPlugin();
        }
        else
        {
            map(app);
        }

        return new PluginUnderTest(app, contentRoot, logs);
    }

    public static async Task<PluginUnderTest> StartAsync(
        TimeProvider timeProvider,
        IReadOnlyDictionary<string, string?> settings,
        string? manifestJson = ValidManifest,
        Action<WebApplication>? map = null,
        IPAddress? listenOn = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var plugin = Create(timeProvider, settings, manifestJson, map, listenOn, configure);
        await plugin.StartAsync();
        return plugin;
    }

    /// <summary>Starts the app; a host whose start failed must not be stopped, so only a successful start is remembered.</summary>
    public async Task StartAsync()
    {
        await App.StartAsync(TestContext.Current.CancellationToken);
        _started = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await App.StopAsync();
        }

        await App.DisposeAsync();
        Directory.Delete(_contentRoot, recursive: true);
    }
}
