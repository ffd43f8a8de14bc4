namespace Fabrix.Cli.Tests;

/// <summary>Runs the real <c>fabrix</c> entry point in-process with captured output and a controlled environment.</summary>
internal sealed class CliRun
{
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    public CliRun(string currentDirectory) => CurrentDirectory = currentDirectory;

    public string CurrentDirectory { get; }

    public Func<Uri, Grpc.Net.Client.GrpcChannel>? OpenChannel { get; init; }

    /// <summary>What the command reads from standard input (nothing by default).</summary>
    public byte[] Input { get; init; } = [];

    /// <summary>The clock the command sees.</summary>
    public TimeProvider? Time { get; init; }

    public CliRun With(string variable, string value)
    {
        _environment[variable] = value;
        return this;
    }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error)
        {
            Environment = name => _environment.GetValueOrDefault(name),
            CurrentDirectory = CurrentDirectory,
            OpenInput = () => new MemoryStream(Input, writable: false),
            Time = Time ?? TimeProvider.System,
            OpenChannel = OpenChannel ?? (address => throw new InvalidOperationException($"The test did not expect a connection to {address}.")),
        };

        var exitCode = await CliApp.RunAsync(args, context, TestContext.Current.CancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error);
