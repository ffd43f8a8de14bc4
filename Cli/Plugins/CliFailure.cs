namespace Fabrix.Cli.Plugins;

/// <summary>A failure the user can act on: one message (maybe a few lines) and the exit code.</summary>
internal sealed class CliFailureException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
