using System.Net;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Orchestration;
using Fabrix.AppHost.Projects;
using Fabrix.AppHost.Tests.Support;
using Fabrix.Testing;

namespace Fabrix.AppHost.Tests.Projects;

/// <summary>A project resource running a real ASP.NET Core app: build, environment, endpoints, readiness, stop.</summary>
[Collection(RealProcesses.Name)]
public sealed class ProjectResourceTests : IClassFixture<SampleWebProject>
{
    private static readonly HttpClient Http = new();
    private readonly SampleWebProject _sample;

    public ProjectResourceTests(SampleWebProject sample)
    {
        _sample = sample;
    }

    [Fact]
    public void Build_SampleProject_FindsTheBuiltAssembly()
    {
        Assert.Equal(Path.Combine(_sample.RepositoryRoot, "Sample", "bin", "Debug", "net10.0", "Sample.dll"), _sample.TargetPath);
        Assert.True(File.Exists(_sample.TargetPath));
    }

    [Fact]
    public async Task Start_Project_SeesTheAspireEnvironmentFromItsOwnFolderAndBecomesReady()
    {
        await using var run = new TestRun(_sample.RepositoryRoot);
        var builder = new FabrixAppHostBuilder(new AppHostOptions(), _sample.RepositoryRoot);
        var nats = builder.AddNats("nats", FreePort.Next());
        var sample = builder.AddProject("sample", SampleWebProject.ProjectPath)
            .WithHttpEndpoint("http", FreePort.Next()).WithHttp2Endpoint("grpc", FreePort.Next())
            .WithReference(nats).WaitFor(nats).WithEnvironment("Sample__Extra", "set by the AppHost");
        var orchestrator = new Orchestrator(builder.Resources, run.Context, noBuild: true);

        await orchestrator.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var http = sample.HttpEndpoint!.Url;
            Assert.Equal(ResourceState.Running, orchestrator.StateOf(sample));
            Assert.Equal(nats.ConnectionStringFor("sample"), await GetAsync($"{http}/env/ConnectionStrings__nats"));
            Assert.Equal("Development", await GetAsync($"{http}/environment"));
            Assert.Equal("sample", await GetAsync($"{http}/env/OTEL_SERVICE_NAME"));
            Assert.Equal(run.Context.DevAdminKeyFile, await GetAsync($"{http}/env/Fabrix__DevAdmin__KeyFile"));
            Assert.True(File.Exists(run.Context.DevAdminKeyFile));
            Assert.Equal("appsettings.json", await GetAsync($"{http}/config/Sample:Origin"));
            Assert.Equal("set by the AppHost", await GetAsync($"{http}/config/Sample:Extra"));

            // The gRPC endpoint speaks HTTP/2 without TLS (h2c), as Kestrel__Endpoints__Grpc__Protocols=Http2 asks.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{sample.Url}/health")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpVersion.Version20, response.Version);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await orchestrator.StopAsync();
        }

        Assert.True(sample.Exited!.IsCompleted);
        Assert.True(PortCheck.IsFree(sample.HttpEndpoint!.Port));
        Assert.Contains("Now listening on", File.ReadAllText(run.Context.LogPathFor("sample")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ProjectThatExits_FailsWithItsExitCodeTheLogFileAndTheLogsLastLines()
    {
        await using var run = new TestRun(_sample.RepositoryRoot);
        var builder = new FabrixAppHostBuilder(new AppHostOptions(), _sample.RepositoryRoot);
        builder.AddProject("sample", SampleWebProject.ProjectPath)
            .WithHttpEndpoint("http", FreePort.Next())
            .WithEnvironment("SAMPLE_FAIL", "the database is unreachable");
        var orchestrator = new Orchestrator(builder.Resources, run.Context, noBuild: true);

        var error = await Assert.ThrowsAsync<AppHostException>(() => orchestrator.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal($"sample exited with code 3 before it was ready; see {RunContext.Display(run.Context.LogPathFor("sample"))}", error.Message);
        Assert.Contains("the database is unreachable", error.Details);
    }

    [Fact]
    public async Task Start_ProjectFileMissing_FailsNamingTheProject()
    {
        await using var run = new TestRun(_sample.RepositoryRoot);
        var builder = new FabrixAppHostBuilder(new AppHostOptions(), _sample.RepositoryRoot);
        builder.AddProject("registry", "Core.Registry/Fabrix.Core.Registry.csproj").WithHttpEndpoint("http", FreePort.Next());
        var orchestrator = new Orchestrator(builder.Resources, run.Context);

        var error = await Assert.ThrowsAsync<AppHostException>(() => orchestrator.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal($"project Core.Registry/Fabrix.Core.Registry.csproj (registry) not found in {_sample.RepositoryRoot}", error.Message);
    }

    [Fact]
    public async Task Build_CompileError_FailsWithTheCompilerErrorsAndTheBuildLog()
    {
        var repository = TestRun.CreateOpenTempFolder("fabrix-broken-repo-");
        Directory.CreateDirectory(Path.Combine(repository, "Broken"));
        File.WriteAllText(Path.Combine(repository, "Broken", "Broken.csproj"), """<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>""");
        File.WriteAllText(Path.Combine(repository, "Broken", "Program.cs"), "System.Console.WriteLine(\"missing semicolon\")\n");
        await using var run = new TestRun(repository, startupTimeout: TimeSpan.FromMinutes(5));
        var project = new ProjectResource("broken", "Broken/Broken.csproj", (_, _, port) => port);

        var error = await Assert.ThrowsAsync<AppHostException>(() => ProjectBuild.BuildAsync(run.Context, [project], noBuild: false, TestContext.Current.CancellationToken));

        Assert.Equal($"build of Broken/Broken.csproj failed (exit code 1); see {RunContext.Display(run.Context.LogPathFor("build"))}", error.Message);
        Assert.Contains(error.Details, line => line.Contains("error CS1002", StringComparison.Ordinal));
        Directory.Delete(repository, recursive: true);
    }

    private static async Task<string> GetAsync(string url) => await Http.GetStringAsync(new Uri(url), TestContext.Current.CancellationToken);
}
