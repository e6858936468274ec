using System.Text.Json;
using Scheduler.Common;
using Scheduler.Common.Validation;
using Scheduler.Common.Workflows;
using Scheduler.Crud.Api.Workflows;
using Scheduler.Storage.Workflows;

namespace Scheduler.Crud.Api.Pages.Workflows;

/// <summary>The workflow pages edit a definition as the JSON the API takes (the shape <c>GET</c> returns, so it round-trips).</summary>
internal static class WorkflowJson
{
    private static readonly JsonSerializerOptions Indented = new(SchedulerJson.Options) { WriteIndented = true };

    public static WorkflowRequest? Parse(string? text, ValidationErrors errors)
    {
        // What no request body may hold, no definition typed into the page may hold either.
        if (JsonInput.Check(System.Text.Encoding.UTF8.GetBytes(text ?? ""), "definition") is { IsValid: false } refused)
        {
            errors.AddAll(refused, "");
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<WorkflowRequest>(text ?? "", SchedulerJson.Options) ?? throw new JsonException("the definition is null");
        }
        catch (JsonException e)
        {
            errors.Add("definition", $"is not a workflow in JSON: {ValidationErrors.Excerpt(e.Message, 200)}");
            return null;
        }
    }

    /// <summary>
    /// The workflow as it would be sent to create it again (secrets as <c>***</c>, which keep the stored ones): every field
    /// of <see cref="WorkflowRequest"/>, so that saving it unchanged changes nothing.
    /// </summary>
    public static string Of(WorkflowRecord record)
    {
        var response = WorkflowResponse.From(record);
        return JsonSerializer.Serialize(new
        {
            response.Name,
            response.Description,
            response.Labels,
            response.MaxActiveRuns,
            response.Parameters,
            response.Steps,
        }, Indented);
    }

    public const string Example =
        """
        {
          "name": "nightly-etl",
          "maxActiveRuns": 1,
          "steps": [
            { "id": "extract", "target": { "type": "webhook", "url": "http://localhost:5003/work?for=2s" } },
            { "id": "transform", "dependsOn": ["extract"], "target": { "type": "webhook", "url": "http://localhost:5003/work?for=3s" } },
            { "id": "validate", "dependsOn": ["extract"], "target": { "type": "webhook", "url": "http://localhost:5003/work?for=1s" } },
            { "id": "publish", "dependsOn": ["transform", "validate"], "target": { "type": "webhook", "url": "http://localhost:5003/work" } }
          ]
        }
        """;
}
