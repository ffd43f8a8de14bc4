using System.Globalization;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Nats;
using Fabrix.AppHost.Postgres;
using Microsoft.Extensions.Hosting;

namespace Fabrix.AppHost.Output;

/// <summary>
/// When every service and server is healthy, prints one line that scripts and tests read:
/// <c>FABRIX READY console=URL console.http=URL registry=GRPC-URL registry.http=URL registry.grpc=URL
/// user-management=URL user-management.http=URL postgres=URL nats=URL data=DIR dashboard=URL</c>
/// (<c>NAME=</c> is the address clients use: the gRPC endpoint when a service has one; <c>dashboard</c> is the login
/// link, present when the dashboard runs).
/// </summary>
internal sealed class ReadyLine(DistributedApplicationModel model, ResourceNotificationService notifications, FabrixLayout layout, FabrixDashboard dashboard)
    : BackgroundService
{
    public const string Prefix = "FABRIX READY";

    public TextWriter Output { get; init; } = Console.Out;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var resources = model.Resources.Where(r => Platform.IsFabrixProcess(r)).ToList();
        try
        {
            foreach (var resource in resources)
            {
                await notifications.WaitForResourceHealthyAsync(resource.Name, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        await Output.WriteLineAsync(Format(resources, layout, dashboard.LoginUrl));
        await Output.FlushAsync(stoppingToken);
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
