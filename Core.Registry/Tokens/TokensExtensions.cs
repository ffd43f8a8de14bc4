using Fabrix.Core.Registry.Tokens;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Signing keys (encrypted at rest), plugin tokens, scheduled rotation and the JWKS endpoint.</summary>
internal static class TokensExtensions
{
    public static WebApplicationBuilder AddRegistryTokens(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TokenOptions>().BindConfiguration(TokenOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TokenOptions>, TokenOptionsValidator>();

        // PersistKeysToFileSystem, but with the folder created owner-only. The folder is read from configuration, not from
        // the validated TokenOptions: Data Protection is built before the start-up validation runs, and reading the options
        // there would stop start-up on the token keys alone instead of reporting every feature's bad keys at once.
        builder.Services.AddDataProtection().SetApplicationName("fabrix-core-registry");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IConfiguration, ILoggerFactory>((keyManagement, configuration, loggerFactory) =>
            {
                var keyRingPath = configuration[$"{TokenOptions.SectionName}:{nameof(TokenOptions.KeyRingPath)}"];
                if (string.IsNullOrWhiteSpace(keyRingPath))
                {
                    return;
                }

                var folder = OperatingSystem.IsWindows()
                    ? Directory.CreateDirectory(keyRingPath)
                    : Directory.CreateDirectory(keyRingPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                keyManagement.XmlRepository = new FileSystemXmlRepository(folder, loggerFactory);
            });

        builder.Services.AddSingleton<SigningKeyRing>();
        builder.Services.AddSingleton<PluginTokenIssuer>();
        builder.Services.AddSingleton<PluginTokenValidator>();
        builder.Services.AddBackgroundWorkHealth();
        builder.Services.AddHostedService<KeyRotationService>();
        return builder;
    }

    public static WebApplication MapRegistryTokens(this WebApplication app)
    {
        app.MapJwks();
        return app;
    }
}
