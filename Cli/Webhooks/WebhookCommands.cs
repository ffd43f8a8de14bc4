using System.CommandLine;
using Fabrix.Cli.Plugins;

namespace Fabrix.Cli.Webhooks;

/// <summary>
/// <c>fabrix webhooks …</c>: outbound webhooks (issue 11 section 4). The offline <c>sign</c> and <c>verify</c>, and the
/// endpoints' administration on a running registry (<see cref="WebhookAdminCommands"/>).
/// </summary>
internal static class WebhookCommands
{
    public static Command Build(CliContext context)
    {
        var webhooks = new Command("webhooks", "Outbound webhooks (Standard Webhooks): sign and verify deliveries offline, and manage endpoints on a running registry.")
        {
            WebhookSigningCommands.Sign(context),
            WebhookSigningCommands.Verify(context),
        };
        var options = new RegistryOptions();
        foreach (var command in WebhookAdminCommands.Build(context, options))
        {
            options.AddTo(command);
            webhooks.Subcommands.Add(command);
        }

        return webhooks;
    }
}
