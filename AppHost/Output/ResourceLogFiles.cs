using System.Globalization;
using Fabrix.AppHost.Hosting;
using Microsoft.Extensions.Hosting;

namespace Fabrix.AppHost.Output;

/// <summary>
/// Copies every service's and server's console output into <c>DATA/logs/NAME.log</c> (appended; each AppHost run starts
/// with a <c>=====</c> line), next to the dashboard's console logs: a file survives the AppHost, and error messages and
/// scripts can point at it.
/// </summary>
internal sealed partial class ResourceLogFiles(DistributedApplicationModel model, ResourceLoggerService logs, FabrixLayout layout) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(layout.LogsDirectory);
        var copies = model.Resources
            .Where(r => Platform.IsFabrixProcess(r))
            .Select(r => CopyAsync(r, stoppingToken));
        return Task.WhenAll(copies);
    }

    private async Task CopyAsync(IResource resource, CancellationToken stoppingToken)
    {
        var path = Path.Combine(layout.LogsDirectory, resource.Name + ".log");
        await using var file = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        await file.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"===== {resource.Name}: AppHost started {DateTimeOffset.UtcNow:O} ====="));
        try
        {
            await foreach (var batch in logs.WatchAsync(resource).WithCancellation(stoppingToken))
            {
                foreach (var line in batch)
                {
                    await file.WriteLineAsync(AnsiEscape().Replace(line.Content, string.Empty));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Colour codes the services' console loggers write (Aspire lets colours through to its dashboard).</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial System.Text.RegularExpressions.Regex AnsiEscape();
}
