using System.CommandLine;
using Fabrix.Cli.Plugins;

namespace Fabrix.Cli.Egress;

/// <summary>
/// <c>fabrix egress …</c>: the Proxy lane (issue 12 sections 3 and 4). <c>check</c> runs the proxy's decision offline;
/// <c>status</c>, <c>lane</c>, <c>kill</c>, <c>mode</c>, <c>quota</c> and <c>deny</c> manage it on a running registry.
/// </summary>
internal static class EgressCommands
{
    public static Command Build(CliContext context)
    {
        var egress = new Command("egress", "The Proxy lane: check what a plugin may reach on the internet, and manage the lane on a running registry.")
        {
            EgressCheckCommand.Build(context),
        };
        var options = new RegistryOptions();
        foreach (var command in EgressAdminCommands.Build(context, options))
        {
            options.AddTo(command);
            egress.Subcommands.Add(command);
        }

        return egress;
    }
}
