using System.CommandLine;
using Fabrix.Contracts.Identity;

namespace Fabrix.Cli.Plugins;

/// <summary>Options every <c>fabrix plugins</c> command shares: where the registry is and who is asking.</summary>
internal sealed class RegistryOptions
{
    /// <summary>Environment variable with the registry's gRPC base URL (SHARED conventions).</summary>
    public const string RegistryEnvironmentVariable = "FABRIX_REGISTRY";

    /// <summary>Environment variable with a bearer token for the core API (e.g. an Entra ID access token).</summary>
    public const string TokenEnvironmentVariable = "FABRIX_TOKEN";

    public Option<string?> Registry { get; } = new("--registry")
    {
        Description = $"gRPC base URL of the registry (h2c), e.g. http://127.0.0.1:5101. Default: ${RegistryEnvironmentVariable}.",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"Bearer token for the core API (e.g. an Entra ID access token). Default: ${TokenEnvironmentVariable}.",
        Recursive = true,
    };

    public Option<string?> DevKey { get; } = new("--dev-key")
    {
        Description = $"Development admin key (PEM) to mint a short-lived admin token. Default: ${DevelopmentAdminToken.KeyFileEnvironmentVariable}, then .fabrix/keys/dev-admin.pem.",
        Recursive = true,
    };

    public Option<string?> User { get; } = new("--user")
    {
        Description = "User name in a development token. Default: $USER, or cli.",
        Recursive = true,
    };

    public Option<string[]> Roles { get; } = new("--role")
    {
        Description = "Role in a development token (repeatable): " + string.Join(", ", AdminRoles.All) + ". Default: admin.",
        Recursive = true,
    };

    public RegistryOptions() => Roles.AcceptOnlyFromAmong([.. AdminRoles.All]);

    public void AddTo(Command command)
    {
        command.Options.Add(Registry);
        command.Options.Add(Token);
        command.Options.Add(DevKey);
        command.Options.Add(User);
        command.Options.Add(Roles);
    }
}
