using System.Diagnostics;
using Fabrix.Contracts.Identity;
using Fabrix.Contracts.Registry.V1;
using Xunit;

namespace Fabrix.EndToEnd.Tests;

/// <summary>The <c>fabrix</c> CLI, run as a user runs it, against the running registry.</summary>
public sealed class CliAgainstPlatformTests(PlatformFixture platform)
{
    private static readonly string[] CliPrefix = ["run", "--project", "Cli", "--no-build", "--"];

    [Fact]
    public async Task PluginsList_AgainstRunningRegistry_ShowsSamplePlugin()
    {
        await platform.WaitForPluginAsync("user-management", p => p.Summary.Status == PluginStatus.Active, TimeSpan.FromMinutes(2));

        var (exitCode, output) = await RunCliAsync("plugins", "list", "--registry", platform.RegistryGrpcUrl);

        Assert.Equal(0, exitCode);
        Assert.Contains("user-management", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PluginsInstallThenUninstall_ValidManifest_RoundTrips()
    {
        var manifest = Path.Combine(platform.DataRoot, "cli-e2e.json");
        var id = "cli-e2e-" + Guid.NewGuid().ToString("N")[..6];
        await File.WriteAllTextAsync(manifest, $$"""
            {
              "id": "{{id}}",
              "name": "CLI end-to-end",
              "version": "0.1.0",
              "contracts": ["ProcessingPlugin"],
              "traits": ["batch_jobs"],
              "security": { "authentication_required": true, "data_classification": ["internal"] }
            }
            """, TestContext.Current.CancellationToken);

        var install = await RunCliAsync("plugins", "install", manifest, "--registry", platform.RegistryGrpcUrl);
        var installed = await platform.Admin().GetPluginAsync(new GetPluginRequest { Id = id }, cancellationToken: TestContext.Current.CancellationToken);
        var uninstall = await RunCliAsync("plugins", "uninstall", id, "--registry", platform.RegistryGrpcUrl);

        Assert.Equal(0, install.ExitCode);
        Assert.Equal(PluginStatus.Installed, installed.Summary.Status);
        Assert.Equal(0, uninstall.ExitCode);
        var gone = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await platform.Admin().GetPluginAsync(new GetPluginRequest { Id = id }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(Grpc.Core.StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task PluginsHealth_SamplePlugin_ShowsItHealthyWithProbeSamplesAndMetrics()
    {
        await platform.WaitForPluginAsync("user-management", p => p.Summary.Health == HealthState.Healthy, TimeSpan.FromMinutes(2));

        var (exitCode, output) = await RunCliAsync("plugins", "health", "user-management", "--json", "--samples", "5", "--registry", platform.RegistryGrpcUrl,
            "--role", AdminRoles.AuditViewer);

        Assert.Equal(0, exitCode);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("healthy", root.GetProperty("state").GetString());
        Assert.Equal("probe:http", root.GetProperty("monitoring").GetString());
        var samples = root.GetProperty("samples").EnumerateArray().ToList();
        Assert.InRange(samples.Count, 2, 5);
        Assert.True(samples[0].GetProperty("success").GetBoolean());
        Assert.True(samples[0].GetProperty("metrics").GetProperty("uptime_seconds").GetDouble() > 0);
        Assert.Contains(root.GetProperty("transitions").EnumerateArray(), t => t.GetProperty("to_state").GetString() == "healthy");
    }

    [Fact]
    public async Task PluginsDisable_AsAuditViewer_IsRefusedWithExitCode1()
    {
        var (exitCode, output) = await RunCliAsync("plugins", "disable", "user-management", "--registry", platform.RegistryGrpcUrl, "--role", AdminRoles.AuditViewer);

        Assert.Equal(1, exitCode);
        Assert.Contains("denied", output, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<(int ExitCode, string Output)> RunCliAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Find(),
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in CliPrefix.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[DevelopmentAdminToken.KeyFileEnvironmentVariable] = platform.DevAdminKeyFile;
        info.Environment["NO_COLOR"] = "1";
        info.Environment["COLUMNS"] = "200";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
