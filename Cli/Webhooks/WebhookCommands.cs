using System.CommandLine;

namespace Fabrix.Cli.Webhooks;

/// <summary><c>fabrix webhooks …</c>: outbound webhooks (issue 11 section 4). Today: the offline <c>sign</c> and <c>verify</c>.</summary>
internal static class WebhookCommands
{
    public static Command Build(CliContext context) =>
        new("webhooks", "Outbound webhooks (Standard Webhooks): sign and verify deliveries offline.")
        {
            WebhookSigningCommands.Sign(context),
            WebhookSigningCommands.Verify(context),
        };
}
