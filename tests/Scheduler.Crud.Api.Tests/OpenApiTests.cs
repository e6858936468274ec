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
            ["delete /api/v1/api-keys/{id}", "delete /api/v1/schedules/{id}", "get /api/v1/api-keys", "get /api/v1/executions", "get /api/v1/executions/{id}", "get /api/v1/executors", "get /api/v1/schedules",
             "get /api/v1/schedules/{id}", "get /api/v1/schedules/{id}/executions", "get /api/v1/schedules/{id}/next", "get /api/v1/stats",
             "post /api/v1/api-keys", "post /api/v1/executions/{id}/redrive", "post /api/v1/preview", "post /api/v1/schedules",
             "post /api/v1/schedules/{id}/executions/redrive", "post /api/v1/schedules/{id}/pause", "post /api/v1/schedules/{id}/resume",
             "post /api/v1/schedules/{id}/trigger", "put /api/v1/schedules/{id}"],
            operations.Select(o => $"{o.Method} {o.Path}").Order(StringComparer.Ordinal));
        Assert.All(operations, o =>
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)o.Operation["summary"]), $"{o.Method} {o.Path} has no summary");
            Assert.False(string.IsNullOrWhiteSpace((string?)o.Operation["operationId"]), $"{o.Method} {o.Path} has no operationId");
        });
        var schemas = document["components"]!["schemas"]!;
        Assert.Equal("0 0 17 * * MON-FRI", (string?)schemas["ScheduleRequest"]!["examples"]![0]!["cron"]);
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
}
