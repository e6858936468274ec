using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests.Targets;

/// <summary>
/// Issue 31: a template nested deep enough overflowed the parser's stack and the API process died on the write, with no
/// answer. Schedules and workflows' steps are bounded when written: just under is created, just over is a 400 naming the
/// field, and the API keeps answering.
/// </summary>
public class TemplateBoundsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Nested(string open, string close, int depth) =>
        string.Concat(Enumerable.Repeat(open, depth)) + "x" + string.Concat(Enumerable.Repeat(close, depth));

    private static JsonObject Schedule(JsonObject target) => new()
    {
        ["name"] = $"bounded-{Guid.NewGuid():N}", ["cron"] = "0 0 6 * * *", ["target"] = target,
    };

    private static JsonObject Webhook(string? body = null, string? header = null)
    {
        var target = new JsonObject { ["type"] = "webhook", ["url"] = "https://hooks.example.com/run" };
        if (body is not null)
        {
            target["body"] = new JsonObject { ["x"] = body };
        }
        if (header is not null)
        {
            target["headers"] = new JsonObject { ["h"] = header };
        }
        return target;
    }

    private async Task<(HttpStatusCode Status, JsonElement Answer)> PostAsync(string url, JsonObject request)
    {
        var response = await _client.PostAsJsonAsync(url, request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    private async Task RefusedAsync(string url, JsonObject request, string field, string message)
    {
        var (status, answer) = await PostAsync(url, request);
        Assert.True(status == HttpStatusCode.BadRequest, $"{status}: {answer}");
        Assert.True(answer.GetProperty("errors").TryGetProperty(field, out var messages), $"no error on {field}: {answer}");
        Assert.Contains(message, messages[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_template_nested_past_what_overflowed_the_parser_is_a_400_naming_the_field_and_the_api_keeps_answering()
    {
        var before = await factory.SnapshotAsync();
        // 3,500 levels fit in a 64 KiB body; about 2,800 overflowed the stack of the process that parsed them.
        await RefusedAsync("/api/v1/schedules", Schedule(Webhook(body: Nested("{%if 1%}", "{%endif%}", 3_500))), "target.body.x", "nests blocks more than 16 deep");
        await RefusedAsync("/api/v1/schedules", Schedule(Webhook(header: "{{ " + Nested("a[", "]", 2_000) + " }}")), "target.headers.h", "has an expression more than 32 deep");
        Assert.Equal(before, await factory.SnapshotAsync());

        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/v1/schedules")).StatusCode);
    }

    [Fact]
    public async Task Schedules_take_templates_up_to_each_bound_and_refuse_one_past_it_naming_the_field()
    {
        var before = await factory.SnapshotAsync();
        await RefusedAsync("/api/v1/schedules", Schedule(Webhook(body: Nested("{% if true %}", "{% endif %}", 17))), "target.body.x", "nests blocks more than 16 deep");
        await RefusedAsync("/api/v1/schedules", Schedule(Webhook(header: "{{ scheduleName" + string.Concat(Enumerable.Repeat(" | upcase", 33)) + " }}")),
            "target.headers.h", "has an expression more than 32 deep");
        await RefusedAsync("/api/v1/schedules", Schedule(Webhook(body: string.Concat(Enumerable.Repeat("{{attempt}}", 2_001)))), "target.body.x",
            "past 2,000 tags and outputs in all");
        await RefusedAsync("/api/v1/schedules", Schedule(Webhook(body: "{% liquid echo 1 %}")), "target.body.x", "liquid tag");
        Assert.Equal(before, await factory.SnapshotAsync());

        var (status, answer) = await PostAsync("/api/v1/schedules", Schedule(Webhook(
            body: Nested("{% if true %}", "{% endif %}", 16),
            header: "{{ scheduleName" + string.Concat(Enumerable.Repeat(" | upcase", 32)) + " }}")));
        Assert.True(status == HttpStatusCode.Created, $"{status}: {answer}");
        (status, answer) = await PostAsync("/api/v1/schedules", Schedule(Webhook(body: string.Concat(Enumerable.Repeat("{{attempt}}", 2_000)))));
        Assert.True(status == HttpStatusCode.Created, $"{status}: {answer}");
    }

    [Fact]
    public async Task A_workflow_steps_templates_are_bounded_the_same_way()
    {
        static JsonObject Workflow(string body) => new()
        {
            ["name"] = $"bounded-{Guid.NewGuid():N}",
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "load", ["target"] = Webhook(body: body) }),
        };
        await RefusedAsync("/api/v1/workflows", Workflow(Nested("{%if 1%}", "{%endif%}", 3_500)), "steps[0].target.body.x", "nests blocks more than 16 deep");
        var (status, answer) = await PostAsync("/api/v1/workflows", Workflow(Nested("{% if true %}", "{% endif %}", 16)));
        Assert.True(status == HttpStatusCode.Created, $"{status}: {answer}");
    }
}
