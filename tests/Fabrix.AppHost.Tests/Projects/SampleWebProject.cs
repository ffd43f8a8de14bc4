using Fabrix.AppHost.Projects;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Projects;

/// <summary>
/// A real, tiny ASP.NET Core project in a temp "repository", built once for the class: it serves /health and echoes
/// the environment and configuration it was given, so tests see exactly what a Fabrix service would see.
/// </summary>
public sealed class SampleWebProject : IAsyncLifetime
{
    public const string ProjectPath = "Sample/Sample.csproj";

    private const string ProjectFile = """
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
        </Project>
        """;

    private const string ProgramFile = """
        if (Environment.GetEnvironmentVariable("SAMPLE_FAIL") is { } failure)
        {
            Console.Error.WriteLine(failure);
            return 3;
        }

        var builder = WebApplication.CreateBuilder(args);
        var app = builder.Build();
        app.MapGet("/health", () => "Healthy");
        app.MapGet("/env/{name}", (string name) => Environment.GetEnvironmentVariable(name) ?? "<unset>");
        app.MapGet("/config/{key}", (string key) => app.Configuration[key] ?? "<unset>");
        app.MapGet("/environment", () => app.Environment.EnvironmentName);
        app.Run();
        return 0;
        """;

    public string RepositoryRoot { get; } = TestRun.CreateOpenTempFolder("fabrix-sample-repo-");

    public async ValueTask InitializeAsync()
    {
        var folder = Path.Combine(RepositoryRoot, "Sample");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "Sample.csproj"), ProjectFile);
        await File.WriteAllTextAsync(Path.Combine(folder, "Program.cs"), ProgramFile);
        await File.WriteAllTextAsync(Path.Combine(folder, "appsettings.json"), """{ "Sample": { "Origin": "appsettings.json" } }""");

        // Built once through the AppHost's own build step; the tests then run it with --no-build.
        await using var run = new TestRun(RepositoryRoot, startupTimeout: TimeSpan.FromMinutes(5));
        var project = new ProjectResource("sample", ProjectPath, (_, _, port) => port);
        await ProjectBuild.BuildAsync(run.Context, [project], noBuild: false, TestContext.Current.CancellationToken);
        TargetPath = project.TargetPath;
    }

    public string? TargetPath { get; private set; }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(RepositoryRoot, recursive: true);
        return ValueTask.CompletedTask;
    }
}
