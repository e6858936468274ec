using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scheduler.Common.Schedules;
using Scheduler.Crud.Api.Preview;

namespace Scheduler.Crud.Api.Http;

/// <summary>What the generated OpenAPI document says beyond what the code and its XML docs already say.</summary>
internal static class OpenApiDocumentation
{
    public static OpenApiOptions Describe(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Scheduleman API";
            document.Info.Description =
                "Schedules fire webhooks at their time — by cron (seconds, IANA time zones, DST-correct), at an instant, or after a delay. " +
                "Every occurrence is an execution with a stable id (sent as `webhook-id` with every attempt); failed deliveries retry " +
                "with backoff and end as dead letters that can be redriven. Errors are RFC 7807 problem details naming each bad field.";
            document.Info.Description +=
                " Every request carries an API key, as `Authorization: Bearer <key>` or `X-Api-Key: <key>`; keys have scope " +
                "`read`, `write` or `admin` and see only their tenant's schedules.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                ["apiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key (`smk_…`), also accepted as the `X-Api-Key` header.",
                },
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] }];
            // Clients use the address they fetched the document from; keeping it out keeps the document reproducible.
            document.Servers?.Clear();
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            if (type == typeof(ScheduleRequest))
            {
                schema.Examples = [JsonNode.Parse("""
                    { "name": "nightly-report", "description": "Daily sales report",
                      "labels": { "team": "data", "owner": "ann@example.com" },
                      "cron": "0 0 17 * * MON-FRI", "timeZone": "Europe/London",
                      "target": { "type": "webhook", "url": "https://reports.example.com/hooks/nightly", "method": "POST",
                                  "headers": { "X-Team": "data" }, "body": { "report": "daily" }, "timeout": "PT3S" },
                      "maxAttempts": 5 }
                    """)!];
            }
            else if (type == typeof(PreviewRequest))
            {
                schema.Examples = [JsonNode.Parse("""{ "cron": "0 */15 9-17 * * MON-FRI", "timeZone": "America/New_York", "count": 5 }""")!];
            }
            return Task.CompletedTask;
        });
        return options;
    }
}
