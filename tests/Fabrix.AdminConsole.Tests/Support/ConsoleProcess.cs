using System.Diagnostics;

namespace Fabrix.AdminConsole.Tests.Support;

/// <summary>
/// The real console started as its own process, for the tests that expect it to refuse to start. In-process,
/// WebApplicationFactory races its own disposal when the host fails to start (dotnet/aspnetcore#33494): under load the
/// test saw <see cref="ObjectDisposedException"/> instead of the console's message. A process has no such race, and its
/// exit code and output are what an operator sees.
/// </summary>
internal static class ConsoleProcess
{
    /// <summary>Runs the console with only <paramref name="settings"/> (as environment variables) until it exits.</summary>
    /// <exception cref="InvalidOperationException">The console is still running after <paramref name="timeout"/>: it started.</exception>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(
        string environment, IReadOnlyDictionary<string, string?> settings, TimeSpan timeout)
    {
        var folder = AppContext.BaseDirectory;
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(folder, "Fabrix.AdminConsole.dll"));

        // Nothing inherited may configure the console: only what the test names.
        foreach (var key in info.Environment.Keys.Where(IsConsoleSetting).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the console.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The console was still running after {timeout}: it started. {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static bool IsConsoleSetting(string key) =>
        key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Fabrix__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("AzureAd__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("services__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase);
}
