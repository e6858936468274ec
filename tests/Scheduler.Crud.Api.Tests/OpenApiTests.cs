using System.Text.Json.Nodes;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests;

public class OpenApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly string Committed = Path.Combine(PostgresServer.RepositoryRoot(), "docs", "openapi.json");

    [Fact]
    public async Task Every_endpoint_is_named_and_summarised_and_requests_carry_examples()
    {
        var document = JsonNode.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json"))!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Path: path.Key, Method: op.Key, Operation: op.Value!)))
            .ToList();

        Assert.Equal(
            ["delete /api/v1/api-keys/{id}", "delete /api/v1/calendars/{id}", "delete /api/v1/schedules/{id}", "delete /api/v1/secrets/{id}",
             "delete /api/v1/workflows/{id}", "get /api/v1/api-keys", "get /api/v1/audit", "get /api/v1/backfills", "get /api/v1/backfills/{id}",
             "get /api/v1/backfills/{id}/runs", "get /api/v1/calendars", "get /api/v1/calendars/{id}", "get /api/v1/executions",
             "get /api/v1/executions/{id}", "get /api/v1/executors", "get /api/v1/outages", "get /api/v1/outages/{id}", "get /api/v1/schedules",
             "get /api/v1/schedules/{id}", "get /api/v1/schedules/{id}/executions", "get /api/v1/schedules/{id}/next", "get /api/v1/secrets",
             "get /api/v1/secrets/{id}", "get /api/v1/stats", "get /api/v1/workflow-runs", "get /api/v1/workflow-runs/{id}", "get /api/v1/workflows",
             "get /api/v1/workflows/{id}", "get /api/v1/workflows/{id}/runs", "post /api/v1/api-keys", "post /api/v1/backfills/{id}/cancel",
             "post /api/v1/backfills/{id}/pause", "post /api/v1/backfills/{id}/resume", "post /api/v1/calendars",
             "post /api/v1/calendars/{id}/import", "post /api/v1/executions/{id}/attempts/{attempt}/report", "post /api/v1/executions/{id}/cancel",
             "post /api/v1/executions/{id}/redrive", "post /api/v1/outages", "post /api/v1/outages/{id}/cancel", "post /api/v1/outages/{id}/end",
             "post /api/v1/preview", "post /api/v1/schedules", "post /api/v1/schedules/batch", "post /api/v1/schedules/{id}/backfills",
             "post /api/v1/schedules/{id}/executions/redrive", "post /api/v1/schedules/{id}/pause", "post /api/v1/schedules/{id}/resume",
             "post /api/v1/schedules/{id}/trigger", "post /api/v1/secrets", "post /api/v1/workflow-runs/{id}/cancel",
             "post /api/v1/workflow-runs/{id}/rerun", "post /api/v1/workflow-runs/{id}/resume", "post /api/v1/workflows",
             "post /api/v1/workflows/{id}/backfills", "post /api/v1/workflows/{id}/runs", "put /api/v1/calendars/{id}", "put /api/v1/outages/{id}",
             "put /api/v1/schedules/{id}", "put /api/v1/secrets/{id}", "put /api/v1/workflows/{id}"],
            operations.Select(o => $"{o.Method} {o.Path}").Order(StringComparer.Ordinal));
        Assert.All(operations, o =>
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)o.Operation["summary"]), $"{o.Method} {o.Path} has no summary");
            Assert.False(string.IsNullOrWhiteSpace((string?)o.Operation["operationId"]), $"{o.Method} {o.Path} has no operationId");
        });
        var schemas = document["components"]!["schemas"]!;
        Assert.Equal("0 0 17 * * MON-FRI", (string?)schemas["ScheduleRequest"]!["examples"]![0]!["cron"]);
        // An example of every kind of target.
        Assert.Equal(Scheduler.Common.Targets.TargetKinds.All.Select(k => k.Name).Order(StringComparer.Ordinal),
            schemas["ScheduleRequest"]!["examples"]!.AsArray().Select(e => (string)e!["target"]!["type"]!).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal("uk-business", (string?)schemas["CalendarRequest"]!["examples"]![0]!["name"]);
        Assert.Equal("defer", (string?)schemas["OutageRequest"]!["examples"]![0]!["policy"]);
        Assert.Equal("previous", (string?)schemas["PreviewRequest"]!["examples"]![0]!["nonBusinessDay"]);
        Assert.Equal("succeeded", (string?)schemas["RunReportRequest"]!["examples"]![0]!["status"]);
        Assert.Equal("extract", (string?)schemas["WorkflowRequest"]!["examples"]![0]!["steps"]![0]!["id"]);
        Assert.Equal("day", (string?)schemas["BackfillRequest"]!["examples"]![0]!["batch"]);
        Assert.Equal("vendor_token", (string?)schemas["SecretRequest"]!["examples"]![0]!["name"]);
        Assert.Equal("24h", (string?)schemas["ScheduleBatchRequest"]!["examples"]![0]!["items"]![0]!["delay"]);
        Assert.NotNull(schemas["RunNowRequest"]!["examples"]![0]!["logicalDate"]);
        Assert.NotNull(schemas["ScheduleRequest"]!["properties"]!["delay"]!["description"]);
        Assert.NotNull(schemas["ExecutionResponse"]!["properties"]!["origin"]!["description"]);
    }

    [Fact]
    public async Task The_committed_document_is_the_one_the_code_generates()
    {
        var generated = JsonNode.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json"))!.ToJsonString(new() { WriteIndented = true }) + "\n";
        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(Committed, generated);
        }
        Assert.True(File.Exists(Committed), $"{Committed} is missing; run the tests once with UPDATE_OPENAPI=1");
        Assert.True(generated == await File.ReadAllTextAsync(Committed),
            "docs/openapi.json is out of date with the code; regenerate it: UPDATE_OPENAPI=1 dotnet test --filter OpenApiTests");
    }

    [Fact]
    public async Task The_document_passes_the_linter_with_no_errors_and_no_warnings()
    {
        var root = PostgresServer.RepositoryRoot();
        var redocly = Path.Combine(root, ".tools", "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), $"{redocly} is missing: ./test.sh installs it (npm install --prefix .tools @redocly/cli)");
        var info = new System.Diagnostics.ProcessStartInfo(redocly, ["lint", "docs/openapi.json", "--format", "json"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var lint = System.Diagnostics.Process.Start(info)!;
        var output = lint.StandardOutput.ReadToEndAsync();
        var errors = lint.StandardError.ReadToEndAsync();
        await lint.WaitForExitAsync();
        var report = JsonNode.Parse(await output)!;
        var problems = string.Join("\n", report["problems"]!.AsArray().Select(p =>
            $"{p!["severity"]} {p["ruleId"]}: {p["message"]} at {p["location"]?[0]?["pointer"]}"));
        Assert.True((int)report["totals"]!["errors"]! == 0 && (int)report["totals"]!["warnings"]! == 0 && lint.ExitCode == 0,
            $"redocly lint docs/openapi.json (exit {lint.ExitCode}):\n{problems}\n{await errors}");
    }

    [Fact]
    public async Task The_contract_check_names_the_operation_the_status_and_the_field()
    {
        var contract = new Contract.OpenApiContract(await File.ReadAllTextAsync(Committed));

        var wrongType = contract.Violation("GET", "/api/v1/schedules", 200, "application/json", """{"items":[],"nextCursor":5}""");
        Assert.NotNull(wrongType);
        Assert.Contains("ListSchedules (GET /api/v1/schedules) answered 200", wrongType, StringComparison.Ordinal);
        Assert.Contains("'/nextCursor'", wrongType, StringComparison.Ordinal);

        var missing = contract.Violation("GET", $"/api/v1/executions/{Guid.NewGuid()}", 200, "application/json", """{"id":"x"}""");
        Assert.NotNull(missing);
        Assert.Contains("GetExecution", missing, StringComparison.Ordinal);
        Assert.Contains("Required properties", missing, StringComparison.Ordinal);

        var undocumented = contract.Violation("DELETE", $"/api/v1/schedules/{Guid.NewGuid()}", 409, "application/problem+json", "{}");
        Assert.Contains("DeleteSchedule (DELETE /api/v1/schedules/{id}) answered 409, a status the document does not list", undocumented, StringComparison.Ordinal);

        var wrongMediaType = contract.Violation("GET", "/api/v1/stats", 400, "text/html", "<h1>no</h1>");
        Assert.Contains("as text/html", wrongMediaType, StringComparison.Ordinal);

        Assert.Null(contract.Violation("GET", "/api/v1/schedules", 200, "application/json", """{"items":[]}"""));
        Assert.Null(contract.Violation("GET", "/api/v1/schedules", 400, "application/problem+json",
            """{"title":"x","status":400,"errors":{"limit":["must be between 1 and 500"]},"traceId":"00-abc-01"}"""));
        Assert.Null(contract.Violation("GET", "/login", 200, "text/html", "<html/>"));
    }
}
