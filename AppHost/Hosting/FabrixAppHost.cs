using Fabrix.AppHost.Model;
using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Output;
using Fabrix.AppHost.Processes;

namespace Fabrix.AppHost.Hosting;

/// <summary>
/// The local orchestrator (issue 2 section 5): <c>CreateBuilder(args)</c>, declare resources, <c>Build()</c>,
/// <c>RunAsync()</c>. Expected failures end with one line and exit code 1; a stack trace goes only to
/// <c>.fabrix/logs/apphost.log</c>, and only for a bug.
/// </summary>
internal sealed class FabrixAppHost
{
    private readonly FabrixAppHostBuilder _builder;
    private readonly IReadOnlyList<string> _errors;

    internal FabrixAppHost(FabrixAppHostBuilder builder, IReadOnlyList<string> errors)
    {
        _builder = builder;
        _errors = errors;
    }

    public static FabrixAppHostBuilder CreateBuilder(string[] args)
    {
        var commandLine = AppHostCommandLine.Parse(args, Environment.GetEnvironmentVariable);
        var repositoryRoot = RepositoryRoot.Find(Environment.CurrentDirectory, AppContext.BaseDirectory);
        return new FabrixAppHostBuilder(commandLine.Options, repositoryRoot, commandLine)
        {
            StartedWithoutBuild = DotnetRunInvocation.ParentAskedForNoBuild(),
        };
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        if (_builder.CommandLine is { ShouldRun: false, Errors.Count: 0 } commandLine)
        {
            // --help, --version, or a malformed command line: System.CommandLine prints it.
            return await commandLine.ParseResult.InvokeAsync(cancellationToken: cancellationToken);
        }

        var reporter = _builder.Reporter ?? Reporter.ForConsole();
        var errors = (_builder.CommandLine?.Errors ?? []).Concat(_errors).ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                reporter.Error(error, []);
            }

            return 2;
        }

        var options = _builder.Options;
        var dataRoot = options.DataRoot ?? (_builder.RepositoryRoot is { } root ? Path.Combine(root, ".fabrix") : null);
        if (dataRoot is null)
        {
            reporter.Error($"cannot find the Fabrix repository (Fabrix.sln) above {Environment.CurrentDirectory}; run from inside the repository or pass --data <dir>", []);
            return 1;
        }

        using var signals = new ShutdownSignals(reporter, TimeProvider.System);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signals.Stopping);
        var locator = ExecutableLocator.FromEnvironment();
        var context = new RunContext
        {
            DataRoot = dataRoot,
            RepositoryRoot = _builder.RepositoryRoot,
            Reporter = reporter,
            Executables = locator,
            Launch = ProcessLaunch.Locate(locator),
            StartupTimeout = options.StartupTimeout,
            ForceStop = signals.Forced,
        };

        try
        {
            Directory.CreateDirectory(dataRoot);
            using var dataLock = DataRootLock.Acquire(dataRoot, context.RunDirectory);
            var offset = options.PortOffset == 0 ? string.Empty : $", ports offset by {options.PortOffset}";
            reporter.Heading($"Fabrix AppHost (data in {RunContext.Display(dataRoot)}{offset})");
            var noBuild = options.NoBuild || _builder.StartedWithoutBuild;
            if (noBuild && !options.NoBuild)
            {
                reporter.Info("Running the services as last built (dotnet run --no-build)");
            }

            var orchestrator = new Orchestrator(_builder.Resources, context, options.PortOffset, noBuild);
            return await orchestrator.RunAsync(stopping.Token);
        }
        catch (AppHostException e)
        {
            reporter.Error(e.Message, e.Details);
            return 1;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            reporter.Info("Stopped before everything was up.");
            return 130;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var log = Path.Combine(dataRoot, "logs", "apphost.log");
            LogFile.Append(log, $"{Environment.NewLine}{e}{Environment.NewLine}");
            reporter.Error($"unexpected failure: {e.Message} (details in {RunContext.Display(log)})", []);
            return 1;
        }
    }
}
