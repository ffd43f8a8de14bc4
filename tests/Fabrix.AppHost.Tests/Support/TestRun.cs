using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Output;
using Fabrix.AppHost.Processes;
using Spectre.Console;

namespace Fabrix.AppHost.Tests.Support;

/// <summary>
/// A data root in a temp folder (open to user postgres, as PostgreSQL runs as that user when the tests run as root),
/// a RunContext over it whose output is captured, and cleanup that stops whatever a test left running.
/// </summary>
internal sealed class TestRun : IAsyncDisposable
{
    private readonly List<IResource> _startedResources = [];

    public TestRun(string? repositoryRoot = null, ExecutableLocator? locator = null, TimeSpan? startupTimeout = null)
    {
        DataRoot = CreateOpenTempFolder("fabrix-apphost-");
        Output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        Reporter = new Reporter(console, Output);
        var executables = locator ?? ExecutableLocator.FromEnvironment();
        Context = new RunContext
        {
            DataRoot = DataRoot,
            RepositoryRoot = repositoryRoot,
            Reporter = Reporter,
            Executables = executables,
            // setsid and runuser come from this machine even when a test hides the servers' binaries.
            Launch = ProcessLaunch.Locate(ExecutableLocator.FromEnvironment()),
            StartupTimeout = startupTimeout ?? TimeSpan.FromSeconds(60),
            StopGrace = TimeSpan.FromSeconds(10),
        };
    }

    public string DataRoot { get; }

    public StringWriter Output { get; }

    public Reporter Reporter { get; }

    public RunContext Context { get; }

    /// <summary>A builder whose resources use this run's data root.</summary>
    public static FabrixAppHostBuilder Builder(int portOffset = 0, string? repositoryRoot = null) =>
        new(new AppHostOptions { PortOffset = portOffset }, repositoryRoot);

    /// <summary>A fresh temp folder with mode 0755, so user postgres can pass through it.</summary>
    public static string CreateOpenTempFolder(string prefix)
    {
        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        if (OperatingSystem.IsWindows())
        {
            return folder;
        }

        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return folder;
    }

    /// <summary>Prepares, starts and waits for <paramref name="resource"/>, remembering to stop it on dispose.</summary>
    public async Task StartAsync(IResource resource)
    {
        await resource.PrepareAsync(Context, TestContext.Current.CancellationToken);
        _startedResources.Add(resource);
        await resource.StartAsync(Context, TestContext.Current.CancellationToken);
        await resource.WaitUntilReadyAsync(Context, TestContext.Current.CancellationToken);
    }

    public async Task StopAsync(IResource resource)
    {
        _startedResources.Remove(resource);
        await resource.StopAsync(Context);
    }

    /// <summary>The first output line starting with <paramref name="prefix"/>; fails when <paramref name="running"/> ends first.</summary>
    public async Task<string> WaitForLineAsync(string prefix, Task running)
    {
        for (var i = 0; i < 1200; i++)
        {
            var line = Output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            Assert.False(running.IsCompleted, Output.ToString());
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail("no line starting with " + prefix + ": " + Output);
        return string.Empty;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in Enumerable.Reverse(_startedResources))
        {
            await resource.StopAsync(Context);
        }

        try
        {
            Directory.Delete(DataRoot, recursive: true);
        }
        catch (IOException)
        {
            // A server that was killed may still be letting go of its files; the temp folder is the OS's to clean.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
