using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scheduler.Common.Schedules;
using Scheduler.Crud.Api.Preview;
using Scheduler.Crud.Api.Schedules;

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
            // Relative to where the document is served (OpenAPI 3.1): true of every deployment, and the same document each time.
            document.Servers = [new OpenApiServer { Url = "/", Description = "The host this document was fetched from (./run.sh: http://localhost:8080)." }];
            // The repository's LICENSE; OpenAPI 3.1 allows an SPDX identifier or a url, not both.
            document.Info.License = new OpenApiLicense { Name = "Apache License 2.0", Identifier = "Apache-2.0" };
            document.Tags = new HashSet<OpenApiTag>
            {
                new() { Name = "Schedules", Description = "What fires, when, and where to: create, change, pause, trigger and preview schedules." },
                new() { Name = "Calendars", Description = "Business days (weekends and holidays) that schedules follow; seeded by country or imported from .ics." },
                new() { Name = "Outages", Description = "Planned quiet periods in which matching schedules skip or defer their occurrences." },
                new() { Name = "Executions", Description = "One execution per occurrence, with every attempt; dead letters and their redrive." },
                new() { Name = "Results", Description = "Workers report on their runs (result tracking): heartbeats, success with output, failure." },
                new() { Name = "Statistics", Description = "Failures, lateness and durations per schedule, target host and executor; the executors alive." },
                new() { Name = "API keys", Description = "The tenant's keys (admin): create one (shown once), list, revoke." },
            };
            return Task.CompletedTask;
        });
        // An operation that can answer 412 takes If-Match (Versions.Expected reads it from the request itself).
        options.AddOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.ContainsKey("412") == true)
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "If-Match",
                    In = ParameterLocation.Header,
                    Description = "The `ETag` you read. When the schedule changed since, nothing is changed and the answer is 412.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            // The serializer leaves null members out (SchedulerJson), so a member that may be null may also be absent.
            if (schema.Required is { Count: > 0 } required && schema.Properties is { } properties)
            {
                foreach (var name in required.Where(n => properties.TryGetValue(n, out var p) && MayBeNull(p)).ToList())
                {
                    required.Remove(name);
                }
                // Nullable value types (a JsonElement? is wrapped in a oneOf only after this runs).
                foreach (var property in context.JsonTypeInfo.Properties.Where(p => Nullable.GetUnderlyingType(p.PropertyType) is not null))
                {
                    required.Remove(property.Name);
                }
            }
            // Each resource's status as a closed set, the API's own: clients (the CLI) take every value from the document.
            if (StatusSets.TryGetValue(type, out var set) && schema.Properties?.TryGetValue(set.Property, out var status) == true && status is OpenApiSchema statusSchema)
            {
                statusSchema.Enum = [.. set.Values.Select(v => (JsonNode)JsonValue.Create(v))];
            }
            // RFC 7807 allows extension members, and every problem carries one: traceId, to find the request in traces and logs.
            if (type == typeof(ProblemDetails) || type == typeof(HttpValidationProblemDetails))
            {
                schema.AdditionalPropertiesAllowed = true;
                schema.AdditionalProperties = null;
                schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
                schema.Properties["traceId"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "The W3C trace id of the request, as in the traces and logs.",
                };
            }
            if (type == typeof(ScheduleBatchRequest))
            {
                schema.Examples = [JsonNode.Parse("""
                    { "items": [
                        { "name": "reminder-order-1001", "delay": "24h", "target": { "type": "webhook", "url": "https://shop.example.com/hooks/remind", "body": { "order": 1001 } } },
                        { "name": "reminder-order-1002", "runAt": "2030-01-01T09:00:00Z", "target": { "type": "kafka", "topic": "reminders", "key": "order-1002" } } ] }
                    """)!];
            }
            if (type == typeof(ScheduleRequest))
            {
                schema.Examples = [JsonNode.Parse("""
                    { "name": "nightly-report", "description": "Daily sales report",
                      "labels": { "team": "data", "owner": "ann@example.com" },
                      "cron": "0 0 17 * * MON-FRI", "timeZone": "Europe/London",
                      "target": { "type": "webhook", "url": "https://reports.example.com/hooks/nightly", "method": "POST",
                                  "headers": { "X-Team": "data" }, "body": { "report": "daily" }, "timeout": "PT3S" },
                      "maxAttempts": 5,
                      "completion": { "runTimeout": "PT30M", "heartbeatTimeout": "PT2M", "overlap": "skip" } }
                    """)!, JsonNode.Parse("""
                    { "name": "daily-load", "cron": "0 0 2 * * *", "timeZone": "Europe/London",
                      "parameters": { "region": { "type": "string", "default": "eu" }, "full": { "type": "boolean", "default": false } },
                      "target": { "type": "webhook", "url": "https://etl.example.com/load",
                                  "headers": { "Authorization": "Bearer {{ secrets.vendor_token }}" },
                                  "body": { "from": "{{ interval.start }}", "to": "{{ interval.end }}", "region": "{{ params.region }}" } } }
                    """)!, JsonNode.Parse("""
                    { "name": "monthly-invoices", "cron": "0 0 6 1 * *", "timeZone": "Europe/Berlin",
                      "target": { "type": "rabbitmq", "connection": "orders", "exchange": "billing", "routingKey": "invoices.monthly",
                                  "headers": { "team": "billing" } } }
                    """)!, JsonNode.Parse("""
                    { "name": "cache-warm", "cron": "0 */5 * * * *",
                      "target": { "type": "nats", "connection": "events", "subject": "jobs.cache.warm", "body": { "scope": "all" } } }
                    """)!, JsonNode.Parse("""
                    { "name": "reminder-order-1003", "runAt": "2030-01-01T09:00:00Z", "target": { "type": "kafka", "topic": "reminders", "key": "order-1003" } }
                    """)!, JsonNode.Parse("""
                    { "name": "nightly-etl", "cron": "0 30 1 * * *", "timeZone": "UTC", "catchUp": "latest",
                      "target": { "type": "workflow", "workflow": "nightly-etl" } }
                    """)!];
            }
            else if (type == typeof(Scheduler.Common.Calendars.CalendarRequest))
            {
                schema.Examples = [JsonNode.Parse("""
                    { "name": "uk-business", "description": "London office", "weekendDays": ["saturday", "sunday"],
                      "holidays": [ { "date": "2026-12-31", "name": "New Year's Eve (office closed)" } ],
                      "publicHolidays": { "country": "GB", "fromYear": 2026, "toYear": 2028 } }
                    """)!];
            }
            else if (type == typeof(Scheduler.Common.Outages.OutageRequest))
            {
                schema.Examples = [JsonNode.Parse("""
                    { "name": "db-upgrade-2026-12", "description": "Primary database upgrade",
                      "from": "2026-12-05T22:00:00Z", "to": "2026-12-06T02:00:00Z", "policy": "defer", "labels": { "team": "data" } }
                    """)!];
            }
            else if (type == typeof(Scheduler.Common.Results.RunReportRequest))
            {
                schema.Examples = [JsonNode.Parse("""
                    { "status": "succeeded", "output": { "rows": 1204, "file": "s3://reports/2026-12-01.csv" },
                      "codeVersion": "git:4f2a9c1 image:sha256:9b1e…", "logsUrl": "https://logs.example.com/runs/0193a1b2" }
                    """)!];
            }
            else if (type == typeof(Scheduler.Common.Workflows.WorkflowRequest))
            {
                schema.Examples = [JsonNode.Parse("""
                    { "name": "nightly-etl", "labels": { "team": "data" }, "maxActiveRuns": 1,
                      "steps": [
                        { "id": "extract", "target": { "type": "webhook", "url": "https://etl.example.com/extract" },
                          "completion": { "runTimeout": "PT30M", "heartbeatTimeout": "PT2M" }, "rerunWithDownstream": true },
                        { "id": "transform", "dependsOn": ["extract"], "target": { "type": "kafka", "topic": "etl-transform" }, "maxAttempts": 3 },
                        { "id": "validate", "dependsOn": ["extract"], "target": { "type": "webhook", "url": "https://etl.example.com/validate" } },
                        { "id": "publish", "dependsOn": ["transform", "validate"], "target": { "type": "webhook", "url": "https://etl.example.com/publish" } },
                        { "id": "alert", "dependsOn": ["publish"], "triggerRule": "oneFailed",
                          "target": { "type": "webhook", "url": "https://alerts.example.com/hooks/etl" } } ] }
                    """)!];
            }
            else if (type == typeof(Scheduler.Common.Backfills.RunNowRequest))
            {
                schema.Examples = [JsonNode.Parse("""{ "logicalDate": "2026-11-30T00:00:00Z", "parameters": { "day": "2026-11-30", "full": true } }""")!];
            }
            else if (type == typeof(Scheduler.Common.Backfills.BackfillRequest))
            {
                schema.Examples = [JsonNode.Parse("""
                    { "start": "2026-11-23", "end": "2026-11-30", "batch": "day", "maxActiveRuns": 2, "parameters": { "full": true }, "dryRun": true }
                    """)!];
            }
            else if (type == typeof(Scheduler.Common.Secrets.SecretRequest))
            {
                schema.Examples = [JsonNode.Parse("""{ "name": "vendor_token", "description": "Acme API token (rotated monthly)", "value": "acme_live_…" }""")!];
            }
            else if (type == typeof(Workflows.RerunRequest))
            {
                schema.Examples = [JsonNode.Parse("""{ "step": "transform", "downstream": true }""")!];
            }
            else if (type == typeof(PreviewRequest))
            {
                schema.Examples = [JsonNode.Parse("""
                    { "cron": "0 0 17 L * *", "timeZone": "Europe/London", "calendar": "uk-business", "nonBusinessDay": "previous",
                      "from": "2027-03-01T00:00:00Z", "count": 5 }
                    """)!];
            }
            return Task.CompletedTask;
        });
        return options;
    }

    private static readonly Dictionary<Type, (string Property, string[] Values)> StatusSets = new()
    {
        [typeof(ScheduleResponse)] = ("state", SchedulesApi.States),
        [typeof(Outages.OutageResponse)] = ("state", Outages.OutagesApi.States),
        [typeof(Executions.ExecutionResponse)] = ("status", Executions.ExecutionsApi.Statuses),
        [typeof(Workflows.WorkflowRunResponse)] = ("status", Workflows.WorkflowRunsApi.Statuses),
        [typeof(Backfills.BackfillResponse)] = ("status", Backfills.BackfillsApi.Statuses),
    };

    // Nullable as a type (["null", "string"]) or as a choice (oneOf: [{type: null}, {$ref: …}], as nullable JSON values are).
    private static bool MayBeNull(IOpenApiSchema property) =>
        (property.Type is { } type && type.HasFlag(JsonSchemaType.Null)) ||
        property.OneOf?.Any(o => o.Type is { } t && t.HasFlag(JsonSchemaType.Null)) == true;
}
