using System.CommandLine;

namespace Fabrix.Cli.Egress;

/// <summary><c>fabrix egress …</c>: the Proxy lane (issue 12 section 4). Today: the offline <c>check</c>.</summary>
internal static class EgressCommands
{
    public static Command Build(CliContext context) =>
        new("egress", "The Proxy lane: check what a plugin may reach on the internet.") { EgressCheckCommand.Build(context) };
}
