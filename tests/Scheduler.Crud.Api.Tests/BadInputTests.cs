using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests;

/// <summary>Every malformed request gets the right 4xx with problem details naming the field, and changes nothing.</summary>
public class BadInputTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly string Unknown = Guid.NewGuid().ToString();

    /// <summary>JSON written with single quotes, for a readable table.</summary>
    private static string J(string json) => json.Replace('\'', '"');

    private const string Target = "{'type':'webhook','url':'http://a.example/'}";

    private static string Schedule(string fields) => J("{'name':'x'," + fields + "}");

    private static string Cron(string extra = "") => Schedule("'cron':'* * * * *','target':" + Target + extra);

    private static string WithTarget(string target) => Schedule("'cron':'* * * * *','target':" + target);

    private static string Many(int count, string format) => string.Join(',', Enumerable.Range(0, count).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, format, i)));

    public static TheoryData<string, string, string, int, string?> Cases()
    {
        var data = new TheoryData<string, string, string, int, string?>();
        void Post(string body, string field) => data.Add("POST", "/api/v1/schedules", body, 400, field);

        // The schedule: names, labels, timing.
        Post(Schedule("'cronn':'* * * * *','target':" + Target), "cronn");
        Post(Cron(",'retries':3"), "retries");
        Post(WithTarget("{'type':'webhook','url':'http://a/','retries':3}"), "target.retries");
        Post(Schedule("'target':" + Target), "cron");
        Post(Schedule("'cron':'* * * * *','delay':'5s','target':" + Target), "cron");
        Post(Schedule("'cron':'* * * * * * *','target':" + Target), "cron");
        Post(Schedule("'cron':'61 * * * *','target':" + Target), "cron");
        Post(Schedule("'cron':'','target':" + Target), "cron");
        Post(Schedule("'cron':'0 0 30 2 *','target':" + Target), "cron");
        Post(Schedule("'cron':'* * * * *','timeZone':'Europe/Londn','target':" + Target), "timeZone");
        Post(Schedule("'cron':'* * * * *','timeZone':'Pacific Standard Time','target':" + Target), "timeZone");
        Post(Schedule("'runAt':'2099-01-01T00:00:00Z','timeZone':'UTC','target':" + Target), "timeZone");
        Post(Schedule("'runAt':'2001-01-01T00:00:00Z','target':" + Target), "runAt");
        Post(Schedule("'runAt':'2031-06-01T10:00:00','target':" + Target), "runAt");
        Post(Schedule("'runAt':'2031-02-30T00:00:00Z','target':" + Target), "runAt");
        Post(Schedule("'runAt':'2199-01-01T00:00:00Z','target':" + Target), "runAt");
        Post(Schedule("'runAt':12345,'target':" + Target), "runAt");
        Post(Schedule("'delay':'soon','target':" + Target), "delay");
        Post(Schedule("'delay':'0s','target':" + Target), "delay");
        Post(Schedule("'delay':'-5m','target':" + Target), "delay");
        Post(Schedule("'delay':'P20Y','target':" + Target), "delay");
        Post(J("{'cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':'','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':'" + new string('n', 201) + "','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':'bell\\u0007','cron':'* * * * *','target':" + Target + "}"), "name");
        Post(J("{'name':42,'cron':'* * * * *','target':" + Target + "}"), "name");
        Post(Cron(",'description':'" + new string('d', 2001) + "'"), "description");
        Post(Cron(",'labels':{" + Many(65, "'k{0}':'v'") + "}"), "labels");
        Post(Cron(",'labels':{'team':'" + new string('v', 257) + "'}"), "labels.team");
        Post(Cron(",'labels':{'team':null}"), "labels.team");
        Post(Cron(",'labels':['team']"), "labels");
        Post(Cron(",'maxAttempts':0"), "maxAttempts");
        Post(Cron(",'maxAttempts':101"), "maxAttempts");
        Post(Cron(",'maxAttempts':-1"), "maxAttempts");
        Post(Cron(",'maxAttempts':3.5"), "maxAttempts");
        Post(Cron(",'maxAttempts':'five'"), "maxAttempts");

        // The target.
        Post(Schedule("'cron':'* * * * *'"), "target");
        Post(Schedule("'cron':'* * * * *','target':null"), "target");
        Post(Schedule("'cron':'* * * * *','target':'http://a/'"), "target");
        Post(WithTarget("{'url':'http://a/'}"), "target.type");
        Post(WithTarget("{'type':'carrier-pigeon'}"), "target.type");
        Post(WithTarget("{'type':'webhook'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'/echo'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'javascript:alert(1)'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'ftp://a.example/'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'http://a.example/" + new string('p', 2100) + "'}"), "target.url");
        Post(WithTarget("{'type':'webhook','url':'http://a/','method':'TRACE'}"), "target.method");
        Post(WithTarget("{'type':'webhook','url':'http://a/','timeout':'PT31S'}"), "target.timeout");
        Post(WithTarget("{'type':'webhook','url':'http://a/','timeout':'0s'}"), "target.timeout");
        Post(WithTarget("{'type':'webhook','url':'http://a/','timeout':'abc'}"), "target.timeout");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'X-A':'v\\r\\nX-B: y'}}"), "target.headers.X-A");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'Bad Name':'v'}}"), "target.headers.Bad Name");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'Host':'evil'}}"), "target.headers.Host");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'webhook-id':'forged'}}"), "target.headers.webhook-id");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{'X-A':null}}"), "target.headers.X-A");
        Post(WithTarget("{'type':'webhook','url':'http://a/','headers':{" + Many(51, "'X-{0}':'v'") + "}}"), "target.headers");
        Post(WithTarget("{'type':'webhook','url':'http://a/','body':{'blob':'" + new string('b', 70_000) + "'}}"), "target.body");

        Post(WithTarget("{'type':'kafka'}"), "target.topic");
        Post(WithTarget("{'type':'kafka','topic':'has spaces'}"), "target.topic");
        Post(WithTarget("{'type':'kafka','topic':'" + new string('t', 250) + "'}"), "target.topic");
        Post(WithTarget("{'type':'kafka','topic':'t','url':'http://a/'}"), "target.url");
        Post(WithTarget("{'type':'kafka','topic':'t','key':''}"), "target.key");
        Post(WithTarget("{'type':'kafka','topic':'t','headers':{'scheduleman-attempt':'9'}}"), "target.headers.scheduleman-attempt");
        Post(WithTarget("{'type':'kafka','topic':'t','value':{'blob':'" + new string('b', 70_000) + "'}}"), "target.value");
        Post(WithTarget("{'type':'webhook','url':'http://a/','topic':'t'}"), "target.topic");

        // Not JSON, or not a schedule.
        Post(J("{'name':'x','cron':"), "cron");
        Post("[1,2,3]", "body");
        Post("null", "body");
        Post(string.Concat(Enumerable.Repeat(J("{'a':"), 70)) + "1" + new string('}', 70), "a");
        data.Add("POST", "/api/v1/schedules", "name=x", 415, null);

        // Replace.
        data.Add("PUT", "/api/v1/schedules/{id}", Schedule("'cron':'nope','target':" + Target), 400, "cron");
        data.Add("PUT", "/api/v1/schedules/{id}", Cron(",'cronn':'x'"), 400, "cronn");
        data.Add("PUT", $"/api/v1/schedules/{Unknown}", Cron(), 404, null);
        data.Add("PUT", "/api/v1/schedules/not-an-id", Cron(), 404, null);

        // Lists and lookups.
        void Get(string url, string? field, int status = 400) => data.Add("GET", url, "", status, field);
        Get("/api/v1/schedules?limit=0", "limit");
        Get("/api/v1/schedules?limit=501", "limit");
        Get("/api/v1/schedules?limit=abc", "limit");
        Get("/api/v1/schedules?sort=random", "sort");
        Get("/api/v1/schedules?state=deleted", "state");
        Get("/api/v1/schedules?targetType=ftp", "targetType");
        Get("/api/v1/schedules?cursor=garbage!", "cursor");
        Get("/api/v1/schedules?label=no-equals-sign", "label");
        Get("/api/v1/schedules?nextFireBefore=yesterday", "nextFireBefore");
        Get("/api/v1/schedules/{id}/next?count=0", "count");
        Get("/api/v1/schedules/{id}/next?count=101", "count");
        Get("/api/v1/schedules/{id}/next?count=x", "count");
        Get("/api/v1/executions?status=failed", "status");
        Get("/api/v1/executions?scheduleId=xyz", "scheduleId");
        Get("/api/v1/executions?limit=1000", "limit");
        Get("/api/v1/executions?cursor=zzz", "cursor");
        Get($"/api/v1/schedules/{Unknown}", null, 404);
        Get($"/api/v1/schedules/{Unknown}/next", null, 404);
        Get($"/api/v1/schedules/{Unknown}/executions", null, 404);
        Get($"/api/v1/executions/{Unknown}", null, 404);

        // Preview.
        data.Add("POST", "/api/v1/preview", "{}", 400, "cron");
        data.Add("POST", "/api/v1/preview", J("{'cron':'* * * * *','count':0}"), 400, "count");
        data.Add("POST", "/api/v1/preview", J("{'cron':'* * * * *','timeZone':'Mars/Olympus'}"), 400, "timeZone");
        data.Add("POST", "/api/v1/preview", J("{'cron':'* * * * *','target':{}}"), 400, "target");

        // Actions on what does not exist.
        foreach (var action in new[] { "pause", "resume", "trigger", "executions/redrive" })
        {
            data.Add("POST", $"/api/v1/schedules/{Unknown}/{action}", "", 404, null);
        }
        data.Add("DELETE", $"/api/v1/schedules/{Unknown}", "", 404, null);
        data.Add("POST", $"/api/v1/executions/{Unknown}/redrive", "", 404, null);
        return data;
    }

    [Fact]
    public void The_table_has_at_least_60_cases() => Assert.True(Cases().Count >= 60, $"{Cases().Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_request_is_answered_with_problem_details_and_changes_nothing(string method, string url, string body, int status, string? field)
    {
        var client = factory.CreateClient();
        var existing = await client.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse(J("{'name':'existing-" + Guid.NewGuid() + "','cron':'0 0 9 * * *','target':" + Target + "}")));
        var id = (string)(await existing.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var before = await factory.SnapshotAsync();

        using var request = new HttpRequestMessage(new HttpMethod(method), url.Replace("{id}", id, StringComparison.Ordinal));
        if (body.Length > 0)
        {
            request.Content = new StringContent(body, Encoding.UTF8, status == 415 ? "text/plain" : "application/json");
        }
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(status == (int)response.StatusCode, $"{method} {url} {Shorten(body)}: expected {status}, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        if (field is not null)
        {
            var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), $"expected an error for '{field}' in {text}");
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        }
        Assert.Equal(before, await factory.SnapshotAsync());
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
