using System.Globalization;
using System.Text.Json;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Processes;

namespace Fabrix.AppHost.Projects;

/// <summary>
/// Builds the projects once, up-front and one after the other (they share Contracts; the machine has two cores),
/// with output in <c>.fabrix/logs/build.log</c>, and learns each one's built assembly from MSBuild itself.
/// </summary>
internal static class ProjectBuild
{
    private const int ErrorLinesShown = 10;

    public static async Task BuildAsync(RunContext context, IReadOnlyList<ProjectResource> projects, bool noBuild, CancellationToken cancellationToken)
    {
        var logPath = context.LogPathFor("build");
        for (var i = 0; i < projects.Count; i++)
        {
            var project = projects[i];
            var progress = string.Create(CultureInfo.InvariantCulture, $"({i + 1}/{projects.Count})");
            if (noBuild)
            {
                project.TargetPath = await TargetPathAsync(context, project, logPath, build: false, cancellationToken);
                if (!File.Exists(project.TargetPath))
                {
                    throw new AppHostException($"{project.Name} is not built ({RunContext.Display(project.TargetPath)} is missing); run without --no-build");
                }

                continue;
            }

            if (!context.Reporter.IsInteractive)
            {
                context.Reporter.Info($"  Building {project.Name} {progress}");
            }

            var started = context.TimeProvider.GetTimestamp();
            project.TargetPath = await context.Reporter.WithSpinnerAsync(
                $"Building {project.Name} {progress}",
                () => TargetPathAsync(context, project, logPath, build: true, cancellationToken));
            context.Reporter.Info(string.Create(CultureInfo.InvariantCulture, $"  Built {project.Name} {progress} in {context.TimeProvider.GetElapsedTime(started).TotalSeconds:0.0} s"));
        }
    }

    private static async Task<string> TargetPathAsync(RunContext context, ProjectResource project, string logPath, bool build, CancellationToken cancellationToken)
    {
        var dotnet = DotnetHost.Locate(context.Executables) ?? throw new AppHostException(Tool.MissingMessage([Tool.Dotnet]));
        var projectFile = project.ProjectFile(context);
        var resultFile = Path.Combine(context.RunDirectory, $"build-{project.Name}.json");
        Directory.CreateDirectory(context.RunDirectory);
        File.Delete(resultFile);
        IReadOnlyList<string> arguments = build
            ? ["build", projectFile, "-nologo", "-v:minimal", "-getProperty:TargetPath", "-getTargetResult:Build", $"-getResultOutputFile:{resultFile}"]
            // Two properties, so MSBuild writes JSON (a single one comes back as bare text).
            : ["msbuild", projectFile, "-nologo", "-getProperty:TargetPath", "-getProperty:ProjectName", $"-getResultOutputFile:{resultFile}"];
        var spec = new ChildProcessSpec(dotnet, arguments)
        {
            WorkingDirectory = context.RepositoryRoot,
            Environment = new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
        };

        var offset = LogFile.BeginRun(logPath, $"{project.Name}: {spec.Display}", context.TimeProvider);
        using var child = ChildProcess.Start(spec, logPath, context.Launch);
        int exitCode;
        try
        {
            exitCode = await child.Exited.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await child.StopAsync(TimeSpan.Zero, context.TimeProvider, CancellationToken.None);
            throw;
        }

        if (exitCode != 0 || !File.Exists(resultFile))
        {
            var errors = LogFile.Tail(logPath, offset, int.MaxValue)
                .Where(line => line.Contains(": error ", StringComparison.Ordinal))
                .Select(line => line.Trim())
                .Distinct(StringComparer.Ordinal)
                .Take(ErrorLinesShown)
                .ToList();
            var what = build ? "build" : "evaluation";
            throw new AppHostException(string.Create(CultureInfo.InvariantCulture, $"{what} of {project.ProjectPath} failed (exit code {exitCode}); see {RunContext.Display(logPath)}"))
            {
                Details = errors,
            };
        }

        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultFile, cancellationToken));
        File.Delete(resultFile);
        return result.RootElement.GetProperty("Properties").GetProperty("TargetPath").GetString()
            ?? throw new AppHostException($"MSBuild reported no TargetPath for {project.ProjectPath}");
    }
}
