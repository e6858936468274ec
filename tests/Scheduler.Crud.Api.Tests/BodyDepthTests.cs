using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Common.Validation;

namespace Scheduler.Crud.Api.Tests;

/// <summary>
/// Issue 31: a body accepted at one depth answered 500 where answers wrap it deeper (lists, batches, the audit trail), and
/// an audit row, which cannot be changed, stayed a 500 for good. Now a body may nest 32 levels, every answer that
/// embeds it is written, and rows stored deeper before the bound read back.
/// </summary>
public class BodyDepthTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static string Nested(int levels) => new string('[', levels) + new string(']', levels);

    /// <summary>A schedule whose whole body nests <paramref name="levels"/> deep: the root, <c>target</c>, then its body.</summary>
    private static string Schedule(string name, int levels) =>
        $$$"""{"name":"{{{name}}}","manual":true,"target":{"type":"webhook","url":"https://hooks.example.com/a","body":{{{Nested(levels - 2)}}}}}""";

    private async Task<(HttpStatusCode Status, string Text)> SendAsync(HttpMethod method, string url, string? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        using var response = await factory.CreateClient().SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task AssertEveryReaderAnswersAsync(string scheduleId)
    {
        foreach (var url in new[] { "/api/v1/schedules?limit=500", $"/api/v1/schedules/{scheduleId}", "/api/v1/audit?limit=500", "/api/v1/workflows?limit=500" })
        {
            var (status, text) = await SendAsync(HttpMethod.Get, url);
            Assert.True(status == HttpStatusCode.OK, $"GET {url}: {(int)status} {(text.Length > 300 ? text[..300] : text)}");
        }
    }

    [Fact]
    public async Task A_body_at_the_nesting_bound_is_accepted_and_every_answer_that_embeds_it_is_written()
    {
        var (created, text) = await SendAsync(HttpMethod.Post, "/api/v1/schedules", Schedule("deep-at-bound", JsonInput.MaxDepth));
        Assert.True(created == HttpStatusCode.Created, text);
        var id = (string)JsonNode.Parse(text)!["id"]!;

        // A batch wraps each item two levels deeper than the request held it, and answers with what it stored.
        var item = Schedule("deep-in-batch", JsonInput.MaxDepth - 2);
        var (batch, batchText) = await SendAsync(HttpMethod.Post, "/api/v1/schedules/batch", $$"""{"items":[{{item}}]}""");
        Assert.True(batch == HttpStatusCode.OK, batchText);

        // A workflow's step targets sit four levels down; its audit entry embeds the definition.
        var workflow = $$$"""{"name":"deep-flow","steps":[{"id":"a","target":{"type":"webhook","url":"https://hooks.example.com/a","body":{{{Nested(JsonInput.MaxDepth - 4)}}}}}]}""";
        var (flow, flowText) = await SendAsync(HttpMethod.Post, "/api/v1/workflows", workflow);
        Assert.True(flow == HttpStatusCode.Created, flowText);

        await AssertEveryReaderAnswersAsync(id);
    }

    [Fact]
    public async Task A_body_one_level_past_the_bound_is_a_400_naming_where_and_changes_nothing()
    {
        var before = await factory.SnapshotAsync();
        var (status, text) = await SendAsync(HttpMethod.Post, "/api/v1/schedules", Schedule("deep-past-bound", JsonInput.MaxDepth + 1));
        Assert.True(status == HttpStatusCode.BadRequest, text);
        var field = "target.body" + string.Concat(Enumerable.Repeat("[0]", JsonInput.MaxDepth - 2));
        Assert.True(JsonNode.Parse(text)!["errors"]![field] is not null, text);
        Assert.Equal(before, await factory.SnapshotAsync());
    }

    [Fact]
    public async Task Rows_stored_deeper_before_the_bound_existed_still_read_back_in_lists_and_the_audit_trail()
    {
        var (created, text) = await SendAsync(HttpMethod.Post, "/api/v1/schedules", Schedule("stored-deep", 4));
        Assert.True(created == HttpStatusCode.Created, text);
        var id = (string)JsonNode.Parse(text)!["id"]!;
        // Before the bound a body could nest 64 levels in all, as the reader's default allowed: 62 in the body.
        var deep = Nested(62);
        await using (var connection = new NpgsqlConnection(factory.ConnectionString))
        {
            await connection.ExecuteAsync("update schedules set target = jsonb_set(target, '{body}', @Deep::jsonb) where id = @Id",
                new { Deep = deep, Id = Guid.Parse(id) });
            // Audit rows are never updated: a row as the old API wrote it, with the deep object after the change.
            await connection.ExecuteAsync(
                """
                insert into audit_events (id, tenant, at, actor_key_id, actor_name, source, action, object_type, object_id, object_name, before, after)
                select gen_random_uuid(), tenant, at, actor_key_id, actor_name, source, 'replaced', object_type, object_id, object_name,
                       after, jsonb_set(after, '{target,body}', @Deep::jsonb)
                from audit_events where object_id = @Id
                """, new { Deep = deep, Id = Guid.Parse(id) });
        }

        await AssertEveryReaderAnswersAsync(id);
        var (_, audit) = await SendAsync(HttpMethod.Get, "/api/v1/audit?limit=500");
        Assert.Contains(Nested(62), audit.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
