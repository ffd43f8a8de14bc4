using Grpc.Net.Client;
using Spectre.Console;

namespace Fabrix.Cli;

/// <summary>
/// Everything a command takes from its surroundings, so tests run the real commands in-process: the output
/// writers, environment variables, current directory, clock and how a registry channel is opened.
/// </summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error)
{
    /// <summary>Reads an environment variable (null when unset).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public string CurrentDirectory { get; init; } = Directory.GetCurrentDirectory();

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Opens standard input (bodies piped into <c>fabrix webhooks sign|verify</c>).</summary>
    public Func<Stream> OpenInput { get; init; } = Console.OpenStandardInput;

    /// <summary>True when <see cref="Out"/> is a terminal that understands colors.</summary>
    public bool Ansi { get; init; }

    /// <summary>Opens a channel to the registry's gRPC address (<see cref="Plugins.RegistryChannel"/>); the command disposes it.</summary>
    public Func<Uri, GrpcChannel> OpenChannel { get; init; } = address => Plugins.RegistryChannel.ForAddress(address);

    public static CliContext ForProcess() => new(Console.Out, Console.Error) { Ansi = !Console.IsOutputRedirected };

    /// <summary>A Spectre console over <see cref="Out"/> (plain text, no wrapping, when it is not a terminal).</summary>
    public IAnsiConsole CreateConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = Ansi ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = Ansi ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Out),
        });
        if (!Ansi)
        {
            // Pipes and files get whole lines: wrapping would break every line-oriented consumer.
            console.Profile.Width = 4096;
        }

        return console;
    }
}
