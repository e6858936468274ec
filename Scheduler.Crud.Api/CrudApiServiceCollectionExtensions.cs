using System.Text.Json.Serialization;
using Scheduler.ServiceDefaults;
using Scheduler.Common;
using Scalar.AspNetCore;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Audit;
using Scheduler.Crud.Api.Backfills;
using Scheduler.Crud.Api.Secrets;
using Scheduler.Crud.Api.Calendars;
using Scheduler.Crud.Api.Outages;
using Scheduler.Crud.Api.Errors;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Pages;
using Scheduler.Crud.Api.Executions;
using Scheduler.Crud.Api.Preview;
using Scheduler.Crud.Api.Results;
using Scheduler.Crud.Api.Schedules;
using Scheduler.Crud.Api.Statistics;
using Scheduler.Crud.Api.Ui;
using Scheduler.Crud.Api.Workflows;
using Scheduler.Storage;

namespace Scheduler.Crud.Api;

public static class CrudApiServiceCollectionExtensions
{
    /// <summary>Where the API listens unless ASPNETCORE_URLS, --urls or the Urls setting says otherwise.</summary>
    public const string DefaultUrls = "http://localhost:8080";

    public static IHostApplicationBuilder AddCrudApiServices(this IHostApplicationBuilder builder)
    {
        builder.ListenByDefaultOn(DefaultUrls);
        builder.AddServiceDefaults("scheduleman-api");
        builder.Services.AddSchedulerStorage();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            SchedulerJson.Configure(o.SerializerOptions);
            // A typo such as "cronn" must be an error, not silently ignored.
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        // Let unreadable bodies reach BadRequestExceptionHandler, which names the field.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        builder.Services.AddOpenApi(o => o.Describe());
        builder.AddAccessControl();
        builder.Services.AddSingleton<Results.ResultsTelemetry>();
        // The web UI: server-rendered pages on the same stores and validation as the API; every page needs a signed-in key.
        builder.Services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/", Scopes.Read);
            o.Conventions.AddFolderApplicationModelConvention("/", page =>
            {
                if (page.ViewEnginePath != "/Login")
                {
                    page.Filters.Add(new Ui.WriteScopeForChanges());
                }
            });
            o.Conventions.AddPageRoute("/Schedules/Edit", "/schedules/new");
        });
        return builder;
    }

    public static WebApplication MapCrudApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAccessControl();
        app.UseQueryStringGuard();
        app.UseRequestBodyGuard();
        app.MapOpenApi();
        // The interactive reference; its script is embedded in the package, so it works offline.
        app.MapScalarApiReference(o => o.WithTitle("Scheduleman API"));
        // Every API operation documents the problems it can answer (ProblemResponses); the pages are not part of the contract.
        var api = app.MapGroup("").WithProblemResponses();
        api.MapSchedulesApi();
        api.MapScheduleBatchApi();
        api.MapExecutionsApi();
        api.MapResultsApi();
        api.MapPreviewApi();
        api.MapCalendarsApi();
        api.MapWorkflowsApi();
        api.MapOutagesApi();
        api.MapSecretsApi();
        api.MapBackfillsApi();
        api.MapAuditApi();
        api.MapStatsApi();
        api.MapApiKeysApi();
        app.UseUiFiles();
        app.MapRazorPages();
        app.MapLogout();
        app.MapDefaultEndpoints();
        return app;
    }
}
