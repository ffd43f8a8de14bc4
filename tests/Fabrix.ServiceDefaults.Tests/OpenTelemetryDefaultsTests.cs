using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Fabrix.ServiceDefaults.Tests;

/// <summary>
/// OpenTelemetry is on only when it has somewhere to export (ServiceDefaults' <c>ConfigureOpenTelemetry</c>): without an
/// OTLP endpoint no provider samples and records spans or aggregates measurements on the services' hot paths.
/// </summary>
public sealed class OpenTelemetryDefaultsTests
{
    [Fact]
    public void ConfigureOpenTelemetry_NoOtlpEndpoint_NoTracerOrMeterProvider()
    {
        using var app = Build(endpoint: null);

        Assert.Null(app.Services.GetService<TracerProvider>());
        Assert.Null(app.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void ConfigureOpenTelemetry_OtlpEndpoint_TracerAndMeterProviders()
    {
        using var app = Build(endpoint: "http://127.0.0.1:4317");

        Assert.NotNull(app.Services.GetService<TracerProvider>());
        Assert.NotNull(app.Services.GetService<MeterProvider>());
    }

    private static WebApplication Build(string? endpoint)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration[Extensions.OtlpEndpointKey] = endpoint;
        builder.ConfigureOpenTelemetry();
        return builder.Build();
    }
}
