using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Scheduler.Executor;

/// <summary>The executor host: the firing loop, plus health endpoints for orchestrators (and tests).</summary>
public static class ExecutorApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Many executors may share a machine: by default each takes a free port (logged at start); containers
        // and orchestrators set ASPNETCORE_URLS to a fixed one for their probes.
        builder.Configuration["urls"] ??= "http://127.0.0.1:0";
        builder.AddExecutorServices();
        var app = builder.Build();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }
}
