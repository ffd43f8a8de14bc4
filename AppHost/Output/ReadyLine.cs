using System.Globalization;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Nats;
using Fabrix.AppHost.Postgres;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Fabrix.AppHost.Output;

/// <summary>
/// When every service and server is healthy, prints one line that scripts and tests read:
/// <c>FABRIX READY console=URL console.http=URL registry=GRPC-URL registry.http=URL registry.grpc=URL
/// user-management=URL user-management.http=URL postgres=URL nats=URL data=DIR dashboard=URL</c>
/// (<c>NAME=</c> is the address clients use: the gRPC endpoint when a service has one; <c>dashboard</c> is the login
/// link, present when the dashboard runs).
/// </summary>
/// <remarks>
/// Until then, every <see cref="ProgressInterval"/> it prints which of them are not healthy yet, with their last known
/// state: <c>FABRIX WAITING 45 s for registry (Running, Unhealthy), gateway (Waiting)</c>. Tools read only the ready
/// line; the waiting lines say where a slow start spends its time.
/// </remarks>
internal sealed class ReadyLine(DistributedApplicationModel model, ResourceNotificationService notifications, FabrixLayout layout, FabrixDashboard dashboard)
    : BackgroundService
{
    public const string Prefix = "FABRIX READY";

    public const string WaitingPrefix = "FABRIX WAITING";

    public TextWriter Output { get; init; } = Console.Out;

    /// <summary>How often the resources not yet healthy are printed while waiting.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var resources = model.Resources.Where(r => Platform.IsFabrixProcess(r)).ToList();
        var pending = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(resources.Select(r => KeyValuePair.Create(r.Name, true)), StringComparer.Ordinal);
        var states = new System.Collections.Concurrent.ConcurrentDictionary<string, CustomResourceSnapshot>(StringComparer.Ordinal);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var watch = WatchAsync(states, watching.Token);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var all = Task.WhenAll(resources.Select(async resource =>
            {
                await notifications.WaitForResourceHealthyAsync(resource.Name, stoppingToken);
                pending.TryRemove(resource.Name, out _);
            }));
            while (await Task.WhenAny(all, Task.Delay(ProgressInterval, stoppingToken)) != all)
            {
                var waiting = resources.Where(r => pending.ContainsKey(r.Name))
                    .Select(r => states.TryGetValue(r.Name, out var snapshot)
                        ? (r.Name, snapshot.State?.Text ?? string.Empty, snapshot.HealthStatus)
                        : (r.Name, (string?)null, (HealthStatus?)null));
                await Output.WriteLineAsync(Waiting(System.Diagnostics.Stopwatch.GetElapsedTime(started), waiting));
                await Output.FlushAsync(stoppingToken);
            }

            await all;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        finally
        {
            await watching.CancelAsync();
            await watch;
        }

        await Output.WriteLineAsync(Format(resources, layout, dashboard.LoginUrl));
        await Output.FlushAsync(stoppingToken);
    }

    /// <summary>
    /// The waiting line: how long, and each resource not yet healthy with its last known state and health (a null state:
    /// none reported yet; a null health: no health report yet).
    /// </summary>
    public static string Waiting(TimeSpan elapsed, IEnumerable<(string Name, string? State, HealthStatus? Health)> waiting)
    {
        var parts = waiting.Select(w => w.State is null
            ? $"{w.Name} (no state yet)"
            : $"{w.Name} ({(w.State.Length == 0 ? "no state" : w.State)}, {w.Health?.ToString() ?? "no health report"})");
        return string.Create(CultureInfo.InvariantCulture, $"{WaitingPrefix} {elapsed.TotalSeconds:F0} s for {string.Join(", ", parts)}");
    }

    // The latest snapshot of every resource, by name (the waiting lines' states).
    private async Task WatchAsync(System.Collections.Concurrent.ConcurrentDictionary<string, CustomResourceSnapshot> states, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(cancellationToken))
            {
                states[update.Resource.Name] = update.Snapshot;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The waiting lines are for people: losing their states must never stop the AppHost (the ready line does not
            // depend on them).
        }
    }

    public static string Format(IEnumerable<IResource> resources, FabrixLayout layout, string? dashboardUrl)
    {
        var pairs = new List<string>();
        foreach (var resource in resources)
        {
            switch (resource)
            {
                case FabrixPostgresResource postgres:
                    pairs.Add(string.Create(CultureInfo.InvariantCulture, $"{postgres.Name}=postgresql://{FabrixPostgresResource.Superuser}@127.0.0.1:{postgres.Port}"));
                    break;
                case FabrixNatsResource nats:
                    pairs.Add(string.Create(CultureInfo.InvariantCulture, $"{nats.Name}=nats://127.0.0.1:{nats.Port(FabrixNatsResource.EndpointName)}"));
                    break;
                default:
                    var endpoints = resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.Port is not null).ToList();
                    if (endpoints.Count == 0)
                    {
                        break;
                    }

                    var main = endpoints.FirstOrDefault(e => e.Name == FabrixProjectExtensions.GrpcEndpoint) ?? endpoints[0];
                    pairs.Add($"{resource.Name}={resource.UrlOf(main.Name)}");
                    pairs.AddRange(endpoints.Select(e => $"{resource.Name}.{e.Name}={resource.UrlOf(e.Name)}"));
                    break;
            }
        }

        pairs.Add($"data={layout.DataRoot}");
        if (dashboardUrl is not null)
        {
            pairs.Add($"dashboard={dashboardUrl}");
        }

        return Prefix + " " + string.Join(' ', pairs);
    }
}

/// <summary>The dashboard's login link (with its browser token), or null when the dashboard does not run (tests).</summary>
internal sealed record FabrixDashboard(string? LoginUrl);
