using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests.Results;

/// <summary>Hostile and repeated reports: tokens, bodies, duplicates, reports after the end. None changes what it must not.</summary>
public class ReportTests
{
    private static async Task<(ApiHarness H, string Id, string Token, string Url)> DeliveredAsync(int maxAttempts = 3)
    {
        var (h, scheduleId) = await ResultTrackingTests.StartAsync("""{ "runTimeout": "1m" }""", "echo", maxAttempts);
        var id = await ResultTrackingTests.TriggerAsync(h, scheduleId);
        var trigger = Assert.Single(await h.Echo.ReceivedAsync(scheduleId));
        return (h, id, trigger.Headers["scheduleman-report-token"], trigger.Headers["scheduleman-callback-url"]);
    }

    private static async Task<HttpResponseMessage> ReportAsync(ApiHarness h, string url, string? token, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await h.Client.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            Assert.True(JsonNode.Parse(body)!["errors"]![field] is not null, body);
        }
    }

    [Fact]
    public async Task Reports_without_the_token_of_that_very_execution_are_refused_and_change_nothing()
    {
        var (h, id, token, url) = await DeliveredAsync();
        await using var _ = h;
        var other = await ResultTrackingTests.TriggerAsync(h, (string)(await ResultTrackingTests.ExecutionAsync(h, id))["scheduleId"]!);
        var otherToken = (await h.Echo.ReceivedAsync()).Single(r => r.ExecutionId == other).Headers["scheduleman-report-token"];
        Assert.NotEqual(token, otherToken);
        var adminKey = h.Client.DefaultRequestHeaders.Authorization?.Parameter ?? "smk_not-a-report-token";
        var snapshot = await h.Api.SnapshotAsync();

        foreach (var presented in new string?[] { null, "", "smr_forged", otherToken, token + "x", token.ToUpperInvariant(), adminKey })
        {
            var response = await ReportAsync(h, url, presented, """{ "status": "succeeded" }""");
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
        // The right token on another execution's address is just as wrong.
        await AssertProblemAsync(await ReportAsync(h, url.Replace(id, other, StringComparison.Ordinal), token, """{ "status": "succeeded" }"""),
            HttpStatusCode.Unauthorized);
        Assert.Equal(snapshot, await h.Api.SnapshotAsync());
        Assert.Equal("delivered", (string)(await ResultTrackingTests.ExecutionAsync(h, id))["status"]!);
    }

    [Theory]
    [InlineData("""{ }""", "status")]
    [InlineData("""{ "status": "done" }""", "status")]
    [InlineData("""{ "status": "running", "progress": 150 }""", "progress")]
    [InlineData("""{ "status": "failed", "output": { "rows": 1 } }""", "output")]
    [InlineData("""{ "status": "succeeded", "error": "but also not" }""", "error")]
    [InlineData("""{ "status": "succeeded", "logsUrl": "javascript:alert(1)" }""", "logsUrl")]
    [InlineData("""{ "status": "succeeded", "codeVersion": "a\u0000b" }""", "codeVersion")]
    [InlineData("""{ "status": "succeeded", "output": "\u0000" }""", "output")]
    [InlineData("""{ "status": "succeeded", "outptu": 1 }""", "outptu")]
    public async Task A_bad_report_is_a_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        var (h, id, token, url) = await DeliveredAsync();
        await using var _ = h;
        var snapshot = await h.Api.SnapshotAsync();
        await AssertProblemAsync(await ReportAsync(h, url, token, body), HttpStatusCode.BadRequest, field);
        Assert.Equal(snapshot, await h.Api.SnapshotAsync());
        Assert.Equal("delivered", (string)(await ResultTrackingTests.ExecutionAsync(h, id))["status"]!);
    }

    [Fact]
    public async Task Oversized_output_is_a_400_and_an_oversized_body_a_413()
    {
        var (h, _, token, url) = await DeliveredAsync();
        await using var __ = h;
        var snapshot = await h.Api.SnapshotAsync();
        var output = new string('x', 17 * 1024);
        await AssertProblemAsync(await ReportAsync(h, url, token, $$"""{ "status": "succeeded", "output": "{{output}}" }"""), HttpStatusCode.BadRequest, "output");
        var huge = new string('x', 2 * 1024 * 1024);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await ReportAsync(h, url, token, $$"""{ "status": "succeeded", "output": "{{huge}}" }""")).StatusCode);
        Assert.Equal(snapshot, await h.Api.SnapshotAsync());
    }

    [Fact]
    public async Task A_final_report_sent_twice_counts_once_and_a_contradicting_one_is_kept_but_changes_nothing()
    {
        var (h, id, token, url) = await DeliveredAsync();
        await using var _ = h;
        var first = await ReportAsync(h, url, token, """{ "status": "succeeded", "output": { "rows": 7 }, "codeVersion": "git:abc123" }""");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var done = await ResultTrackingTests.ExecutionAsync(h, id);
        var second = await ReportAsync(h, url, token, """{ "status": "succeeded", "output": { "rows": 8 } }""");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("succeeded", (string)JsonNode.Parse(await second.Content.ReadAsStringAsync())!["status"]!);
        var again = await ResultTrackingTests.ExecutionAsync(h, id);
        Assert.Equal(done.ToJsonString(), again.ToJsonString());
        Assert.Equal(7, (int)again["run"]!["output"]!["rows"]!);
        Assert.Equal("git:abc123", (string)again["run"]!["codeVersion"]!);

        var contradicting = await ReportAsync(h, url, token, """{ "status": "failed", "error": "actually no" }""");
        await AssertProblemAsync(contradicting, HttpStatusCode.Conflict);
        var after = await ResultTrackingTests.ExecutionAsync(h, id);
        Assert.Equal("succeeded", (string)after["status"]!);
        Assert.StartsWith("failed reported at", (string)after["attempts"]![0]!["lateReport"]!, StringComparison.Ordinal);
        // Not retried either.
        h.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, await h.Executor.DrainAsync());
    }

    [Fact]
    public async Task A_report_on_an_attempt_that_is_not_the_current_one_is_a_409()
    {
        var (h, id, token, url) = await DeliveredAsync();
        await using var _ = h;
        await AssertProblemAsync(await ReportAsync(h, url.Replace("/attempts/1/", "/attempts/2/", StringComparison.Ordinal), token, """{ "status": "succeeded" }"""),
            HttpStatusCode.Conflict);
        await AssertProblemAsync(await ReportAsync(h, url.Replace("/attempts/1/", "/attempts/0/", StringComparison.Ordinal), token, """{ "status": "succeeded" }"""),
            HttpStatusCode.BadRequest, "attempt");
        Assert.Equal("delivered", (string)(await ResultTrackingTests.ExecutionAsync(h, id))["status"]!);
    }

    [Fact]
    public async Task A_report_with_a_valid_token_for_an_execution_that_does_not_exist_is_a_404()
    {
        var (h, _, _, url) = await DeliveredAsync();
        await using var __ = h;
        var unknown = Guid.NewGuid();
        var tokens = new Scheduler.Common.Results.ReportToken(Scheduler.Testing.TestSettings.Secrets);
        var address = new Uri(new Uri(url), $"/api/v1/executions/{unknown}/attempts/1/report").ToString();
        await AssertProblemAsync(await ReportAsync(h, address, tokens.For(unknown), """{ "status": "succeeded" }"""), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_report_on_an_execution_that_does_not_track_results_is_a_409()
    {
        await using var h = await ApiHarness.StartAsync(kestrel: true);
        var schedule = await h.CreateAsync(h.Webhook("untracked", "\"manual\": true"));
        var id = await ResultTrackingTests.TriggerAsync(h, (string)schedule["id"]!);
        var tokens = new Scheduler.Common.Results.ReportToken(Scheduler.Testing.TestSettings.Secrets);
        var address = new Uri(h.Address!, $"/api/v1/executions/{id}/attempts/1/report").ToString();
        await AssertProblemAsync(await ReportAsync(h, address, tokens.For(Guid.Parse(id)), """{ "status": "failed", "error": "x" }"""), HttpStatusCode.Conflict);
        Assert.Equal("succeeded", (string)(await ResultTrackingTests.ExecutionAsync(h, id))["status"]!);
    }
}
