using System.CommandLine;
using Fabrix.Cli.Audit;
using Fabrix.Cli.Deploy;
using Fabrix.Cli.Egress;
using Fabrix.Cli.Events;
using Fabrix.Cli.Gateway;
using Fabrix.Cli.Lanes;
using Fabrix.Cli.Manifests;
using Fabrix.Cli.Plugins;
using Fabrix.Cli.Webhooks;

namespace Fabrix.Cli;

/// <summary>The <c>fabrix</c> command tree and its one entry point, shared by <c>Program</c> and the tests.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("fabrix: validate plugin manifests, manage plugins on a Fabrix registry and generate their Kubernetes objects.");
        root.Subcommands.Add(ManifestCommands.Build(context));
        root.Subcommands.Add(PluginCommands.Build(context));
        root.Subcommands.Add(AuditCommands.Build(context));
        root.Subcommands.Add(DeployCommands.Build(context));
        root.Subcommands.Add(LaneCommands.Build(context));
        root.Subcommands.Add(Gateway(context));
        root.Subcommands.Add(EgressCommands.Build(context));
        root.Subcommands.Add(WebhookCommands.Build(context));
        root.Subcommands.Add(EventCommands.Build(context));
        return root;
    }

    /// <summary>
    /// <c>fabrix gateway</c>: the Operator lane. <c>check</c> runs its policy offline; <c>grants</c> and <c>limits</c>
    /// manage grants and rate limit overrides on a running registry.
    /// </summary>
    private static Command Gateway(CliContext context)
    {
        var options = new RegistryOptions();
        var gateway = new Command("gateway", "The Operator lane (Core.Gateway): check policy offline, grants and rate limit overrides.");
        gateway.Subcommands.Add(GatewayCheckCommand.Build(context));
        var online = new[] { GrantCommands.Build(context, options), LimitCommands.Build(context, options) };
        foreach (var command in online)
        {
            options.AddTo(command);
            gateway.Subcommands.Add(command);
        }

        return gateway;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = Build(context);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await context.Error.WriteLineAsync($"fabrix: {error.Message}");
            }

            await context.Error.WriteLineAsync("Run 'fabrix --help' for usage.");
            return ExitCodes.UsageOrIo;
        }

        var invocation = new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
        };

        try
        {
            return await parseResult.InvokeAsync(invocation, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await context.Error.WriteLineAsync("fabrix: cancelled.");
            return ExitCodes.UsageOrIo;
        }
#pragma warning disable CA1031 // Last line of defence: a tool prints one line, never a stack trace (issue 2 section 9).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await context.Error.WriteLineAsync($"fabrix: unexpected error: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }
    }
}
