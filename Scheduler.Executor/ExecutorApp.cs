using Microsoft.AspNetCore.Builder;
using Scheduler.ServiceDefaults;

namespace Scheduler.Executor;

/// <summary>The executor host: the firing loop, plus health and metrics endpoints for orchestrators (and tests).</summary>
public static class ExecutorApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Many executors may share a machine: by default each takes a free port (logged at start); containers
        // and orchestrators set ASPNETCORE_URLS to a fixed one for their probes and scrapes.
        builder.ListenByDefaultOn("http://127.0.0.1:0");
        builder.AddServiceDefaults("scheduleman-executor");
        builder.AddExecutorServices();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }
}
