using System.Globalization;
using Fabrix.AppHost;
using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Output;

// The resources are declared in Platform.cs (one line each), where the tests inspect the same model.
try
{
    var options = FabrixRunOptions.Parse(args);
    var dashboardPorts = new[]
    {
        ("dashboard", FabrixPorts.Dashboard + options.PortOffset),
        ("dashboard.otlp", FabrixPorts.DashboardOtlp + options.PortOffset),
        ("dashboard.resource-service", FabrixPorts.ResourceService + options.PortOffset),
    };
    string Url(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

    // The dashboard's addresses follow --port-offset too; over plain HTTP on this machine (STACK.md). Arguments given
    // on the command line come later and win.
    string[] dashboardArgs =
    [
        $"--ASPNETCORE_URLS={Url(dashboardPorts[0].Item2)}",
        $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL={Url(dashboardPorts[1].Item2)}",
        $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL={Url(dashboardPorts[2].Item2)}",
        "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
    ];
    var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [.. dashboardArgs, .. options.AspireArgs] });
    var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
    var layout = new FabrixLayout(repositoryRoot, options.ResolveDataRoot(repositoryRoot, Environment.GetEnvironmentVariable("FABRIX_HOME")), options.PortOffset);
    Directory.CreateDirectory(layout.DataRoot);
    using var dataLock = DataRootLock.Acquire(layout);

    var dashboardEnabled = builder.Configuration["AppHost:BrowserToken"] is not null;
    var dashboard = new FabrixDashboard(dashboardEnabled ? $"{Url(dashboardPorts[0].Item2)}/login?t={builder.Configuration["AppHost:BrowserToken"]}" : null);
    builder.AddFabrixPlatform(layout, dashboard, dashboardEnabled ? dashboardPorts : []);
    if (options.NoBuild)
    {
        Console.Out.WriteLine("Running the services as last built (--no-build)");
    }

    await using var app = builder.Build();
    await app.RunAsync();
    return 0;
}
catch (AppHostException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 1;
}
catch (AggregateException e) when (e.InnerExceptions.Count == 1 && e.InnerException is AppHostException inner)
{
    await Console.Error.WriteLineAsync($"error: {inner.Message}");
    return 1;
}
