using Fabrix.Plugins.Sdk.Logging;
using Fabrix.Plugins.Sdk.Registration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabrix.Plugins.Sdk.Heartbeat;

/// <summary>
/// Sends <c>PluginRegistry.Heartbeat</c> every <see cref="FabrixPluginOptions.HeartbeatInterval"/> while the plugin
/// is registered, with its uptime and memory, and records the lifecycle status the registry answers (for example
/// <c>active</c> once an administrator enabled it). A failed beat is logged and the next one goes out on time;
/// registration and renewal are the registration service's job.
/// </summary>
internal sealed class PluginHeartbeatService(
    FabrixPluginContext context,
    RegistryClient client,
    IOptions<FabrixPluginOptions> options,
    TimeProvider timeProvider,
    ILogger<PluginHeartbeatService> logger) : BackgroundService
{
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await BeatAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task BeatAsync(CancellationToken stoppingToken)
    {
        var registration = context.Registration;
        if (registration is not { State: PluginRegistrationState.Registered, Token: { } token })
        {
            return;
        }

        try
        {
            var response = await client.HeartbeatAsync(context.PluginId, PluginMetrics.Capture(context), token, stoppingToken).ConfigureAwait(false);
            context.SetStatus(response.Status, token);
            if (_failing)
            {
                _failing = false;
                SdkLog.HeartbeatRecovered(logger, context.PluginId);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // Warn once per outage; the registration service already reports why the registry is unreachable.
            if (!_failing)
            {
                _failing = true;
                SdkLog.HeartbeatFailed(logger, context.PluginId, RegistryFailure.Describe(ex));
            }
            else
            {
                SdkLog.HeartbeatStillFailing(logger, context.PluginId, RegistryFailure.Describe(ex));
            }
        }
    }
}
