using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests.Audit;

/// <summary>
/// The declarative source that manages an object (<c>Scheduleman-Managed-By</c>, sent by <c>scheduleman apply</c>): kept by
/// writes from elsewhere, so a prune still knows the object is its own; a malformed value is not recorded.
/// </summary>
public class ManagedByTests
{
    private static HttpRequestMessage Write(HttpMethod method, string url, JsonNode body, string? managedBy)
    {
        var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) };
        if (managedBy is not null)
        {
            request.Headers.TryAddWithoutValidation("Scheduleman-Managed-By", managedBy);
        }
        return request;
    }

    [Fact]
    public async Task Each_declarative_kind_keeps_its_source_through_writes_from_elsewhere()
    {
        await using var h = await ApiHarness.StartAsync();
        var objects = new (string Path, JsonNode Body)[]
        {
            ("/api/v1/calendars", JsonNode.Parse("""{"name": "managed-calendar"}""")!),
            ("/api/v1/workflows", JsonNode.Parse("""{"name": "managed-workflow", "steps": [{"id": "a", "target": {"type": "kafka", "topic": "t"}}]}""")!),
            ("/api/v1/schedules", h.Webhook("managed-schedule", "\"cron\": \"0 0 2 * * *\"")),
            ("/api/v1/outages", JsonNode.Parse($$"""{"name": "managed-outage", "from": "{{h.Time.GetUtcNow().AddDays(1):O}}", "to": "{{h.Time.GetUtcNow().AddDays(2):O}}", "policy": "skip"}""")!),
        };
        foreach (var (path, body) in objects)
        {
            var created = await h.Client.SendAsync(Write(HttpMethod.Post, path, body, "ops/schedules"));
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            var id = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            Assert.Equal("ops/schedules", (string?)(await h.GetAsync($"{path}/{id}"))["managedBy"]);

            // The UI or a script changes it: still the source's.
            body["description"] = "edited by hand";
            var replaced = await h.Client.SendAsync(Write(HttpMethod.Put, $"{path}/{id}", body, managedBy: null));
            Assert.True(replaced.IsSuccessStatusCode, await replaced.Content.ReadAsStringAsync());
            var after = await h.GetAsync($"{path}/{id}");
            Assert.Equal(("ops/schedules", "edited by hand"), ((string?)after["managedBy"], (string?)after["description"]));
        }

        // A value that is not a source name (spaces, over 100 characters) is not recorded: the object is unmanaged.
        foreach (var malformed in new[] { "has spaces", new string('x', 101) })
        {
            var body = h.Webhook("unmanaged-" + malformed.Length, "\"cron\": \"0 0 3 * * *\"");
            var created = await h.Client.SendAsync(Write(HttpMethod.Post, "/api/v1/schedules", body, malformed));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Null((await created.Content.ReadFromJsonAsync<JsonObject>())!["managedBy"]);
        }
    }
}
