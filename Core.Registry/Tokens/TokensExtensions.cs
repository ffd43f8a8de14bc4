using Fabrix.Core.Registry;
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
        builder.Services.TryAddRegistryOptions();

        // PersistKeysToFileSystem, but with the folder taken from validated options, created owner-only.
        builder.Services.AddDataProtection().SetApplicationName("fabrix-core-registry");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<RegistryOptions>, ILoggerFactory>((keyManagement, registry, loggerFactory) =>
            {
                if (string.IsNullOrWhiteSpace(registry.Value.KeyRingPath))
                {
                    return;
                }

                var folder = OperatingSystem.IsWindows()
                    ? Directory.CreateDirectory(registry.Value.KeyRingPath)
                    : Directory.CreateDirectory(registry.Value.KeyRingPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                keyManagement.XmlRepository = new FileSystemXmlRepository(folder, loggerFactory);
            });

        builder.Services.AddSingleton<SigningKeyRing>();
        builder.Services.AddSingleton<PluginTokenIssuer>();
        builder.Services.AddSingleton<PluginTokenValidator>();
        builder.Services.AddHostedService<KeyRotationService>();
        return builder;
    }

    public static WebApplication MapRegistryTokens(this WebApplication app)
    {
        app.MapJwks();
        return app;
    }
}
