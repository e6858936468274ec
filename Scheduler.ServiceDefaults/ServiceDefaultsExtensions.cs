using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Scheduler.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>Every ActivitySource and Meter of the product starts with this.</summary>
    public const string TelemetryPrefix = "Scheduleman.";

    /// <summary>
    /// OpenTelemetry for a host: traces (the product's sources, ASP.NET Core, HttpClient) and metrics (the product's
    /// meters, ASP.NET Core, HttpClient); a Prometheus scrape endpoint always, OTLP export when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Health checks are registered by the host's own services.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, string serviceName)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: Environment.MachineName + "-" + Environment.ProcessId))
            .WithTracing(t =>
            {
                t.AddSource(TelemetryPrefix + "*").AddAspNetCoreInstrumentation(o => o.Filter = IsNotProbe).AddHttpClientInstrumentation();
                if (otlp)
                {
                    t.AddOtlpExporter();
                }
            })
            .WithMetrics(m =>
            {
                m.AddMeter(TelemetryPrefix + "*").AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddPrometheusExporter();
                if (otlp)
                {
                    m.AddOtlpExporter();
                }
            });
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// Listens on <paramref name="urls"/> unless ASPNETCORE_URLS, <c>--urls</c> or the <c>Urls</c> setting names an
    /// address; a blank one counts as none. (Defaults live here, not in appsettings.json, where a <c>Urls</c> setting
    /// would outrank ASPNETCORE_URLS.)
    /// </summary>
    public static IHostApplicationBuilder ListenByDefaultOn(this IHostApplicationBuilder builder, string urls)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
        {
            builder.Configuration["urls"] = urls;
        }
        return builder;
    }

    /// <summary><c>/healthz</c> (alive), <c>/readyz</c> (every check tagged "ready"), <c>/metrics</c> (Prometheus).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static bool IsNotProbe(Microsoft.AspNetCore.Http.HttpContext context) =>
        context.Request.Path.Value is not ("/healthz" or "/readyz" or "/metrics");
}
