using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Testing;

namespace Scheduler.Crud.Api.Tests;

/// <summary>Signed deliveries, write-only encrypted secrets, and the egress (SSRF) guard, end to end.</summary>
public class WebhookSecurityTests
{
    private const string SigningSecret = "whsec_dGhpcnR5LXR3by1ieXRlcy1vZi10ZXN0LWtleS1tYXRlcmlhbA==";
    private const string Token = "Bearer s3cr3t-token-0f-the-target";

    /// <summary>Standard Webhooks verification written here from the specification, independent of the product's code.</summary>
    private static bool IndependentlyValid(string secret, string id, string timestamp, string body, string header)
    {
        using var hmac = new HMACSHA256(Convert.FromBase64String(secret.Split('_', 2)[1]));
        var expected = "v1," + Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        return header.Split(' ').Contains(expected);
    }

    private static async Task<string> StoredTargetAsync(ApiHarness h, string id)
    {
        await using var connection = new NpgsqlConnection(h.Api.ConnectionString);
        return await connection.QuerySingleAsync<string>("select target::text from schedules where id = @Id", new { Id = Guid.Parse(id) });
    }

    [Fact]
    public async Task Deliveries_are_signed_and_secrets_are_write_only_and_encrypted_at_rest()
    {
        await using var h = await ApiHarness.StartAsync(echoSigningSecret: SigningSecret);
        var body = h.Webhook("signed", "\"cron\": \"*/10 * * * * *\"");
        body["target"]!["signingSecret"] = SigningSecret;
        body["target"]!["headers"] = new JsonObject { ["Authorization"] = Token, ["X-Team"] = "data" };
        var schedule = await h.CreateAsync(body);
        var id = (string)schedule["id"]!;

        // Write-only: the API shows that secrets are set, never what they are.
        Assert.Equal("***", (string?)schedule["target"]!["signingSecret"]);
        Assert.Equal("***", (string?)schedule["target"]!["headers"]!["Authorization"]);
        Assert.Equal("data", (string?)schedule["target"]!["headers"]!["X-Team"]);
        var everything = await h.Client.GetStringAsync($"/api/v1/schedules?limit=500") + await h.Client.GetStringAsync($"/api/v1/schedules/{id}");
        Assert.DoesNotContain("s3cr3t", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(SigningSecret[6..], everything, StringComparison.Ordinal);
        // Encrypted at rest: the row holds ciphertext only.
        var stored = await StoredTargetAsync(h, id);
        Assert.DoesNotContain("s3cr3t", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(SigningSecret[6..], stored, StringComparison.Ordinal);
        Assert.Equal(2, stored.Split("enc:v2:").Length - 1);

        h.AdvanceTo(schedule["nextFireAt"]);
        Assert.Equal(1, await h.Executor.DrainAsync());
        var received = Assert.Single(await h.Echo.ReceivedAsync(id));
        Assert.Equal(Token, received.Headers["authorization"]);
        Assert.Equal("valid", received.Signature);
        Assert.True(IndependentlyValid(SigningSecret, received.Headers["webhook-id"], received.Headers["webhook-timestamp"], received.Body,
            received.Headers["webhook-signature"]), "the signature does not verify independently");
        Assert.False(IndependentlyValid(WebhookSecretFor("another"), received.Headers["webhook-id"], received.Headers["webhook-timestamp"],
            received.Body, received.Headers["webhook-signature"]));

        // PUT with "***" keeps each stored secret; a new secret-looking header must be sent in full.
        var edited = JsonNode.Parse(schedule.ToJsonString())!.AsObject();
        foreach (var readOnly in new[] { "id", "kind", "state", "nextFireAt", "version", "createdAt", "updatedAt" })
        {
            edited.Remove(readOnly);
        }
        edited["description"] = "edited";
        var replaced = await h.Client.PutAsJsonAsync($"/api/v1/schedules/{id}", edited);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        edited["target"]!["headers"]!["X-Api-Token"] = "***";
        var refused = await h.Client.PutAsJsonAsync($"/api/v1/schedules/{id}", edited);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("target.headers.X-Api-Token", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        h.AdvanceTo((await h.GetAsync($"/api/v1/schedules/{id}"))["nextFireAt"]);
        Assert.Equal(1, await h.Executor.DrainAsync());
        var again = (await h.Echo.ReceivedAsync(id))[^1];
        Assert.Equal(Token, again.Headers["authorization"]);
        Assert.Equal("valid", again.Signature);
    }

    private static string WebhookSecretFor(string seed) => "whsec_" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(seed)));

    [Fact]
    public async Task A_delivery_signed_with_another_secret_is_reported_invalid_by_waitecho()
    {
        await using var h = await ApiHarness.StartAsync(echoSigningSecret: WebhookSecretFor("receiver"));
        var body = h.Webhook("mis-signed", "\"delay\": \"1s\"");
        body["target"]!["signingSecret"] = WebhookSecretFor("sender");
        var schedule = await h.CreateAsync(body);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Executor.DrainAsync();
        Assert.Equal("invalid", Assert.Single(await h.Echo.ReceivedAsync((string)schedule["id"]!)).Signature);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5003/echo")]
    [InlineData("http://10.0.0.8/hook")]
    [InlineData("http://172.20.1.1/hook")]
    [InlineData("http://192.168.0.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/iam/")]
    [InlineData("http://100.100.100.200/latest/meta-data/")]
    [InlineData("http://0.0.0.0:8080/")]
    [InlineData("http://224.0.0.251/")]
    [InlineData("http://[::1]:8080/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[fd00:ec2::254]/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://localhost:8080/")]
    [InlineData("http://metadata.localhost/")]
    public async Task Internal_targets_are_refused_when_written(string url)
    {
        await using var api = new ApiFactory { Settings = { ["Egress:Allow:0"] = "", ["Egress:Allow:1"] = "" } };
        await ((Xunit.IAsyncLifetime)api).InitializeAsync();
        var response = await api.CreateClient().PostAsJsonAsync("/api/v1/schedules",
            new { name = "ssrf", cron = "* * * * *", target = new { type = "webhook", url } });
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{url}: {(int)response.StatusCode} {problem}");
        Assert.Contains("Egress:Allow", (string)problem!["errors"]!["target.url"]![0]!, StringComparison.Ordinal);
        Assert.Equal("", await api.SnapshotAsync());
    }

    [Fact]
    public async Task An_allow_listed_network_may_be_written()
    {
        await using var api = new ApiFactory { Settings = { ["Egress:Allow:0"] = "10.20.0.0/16", ["Egress:Allow:1"] = "" } };
        await ((Xunit.IAsyncLifetime)api).InitializeAsync();
        var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/schedules",
            new { name = "inside", cron = "* * * * *", target = new { type = "webhook", url = "http://10.20.1.5/hook" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/v1/schedules",
            new { name = "outside", cron = "* * * * *", target = new { type = "webhook", url = "http://10.21.1.5/hook" } })).StatusCode);
    }

    [Fact]
    public async Task A_name_that_resolves_to_an_internal_address_is_refused_at_connect_time_and_allow_listing_it_works()
    {
        // The API lets 'localhost' through (as a name it could resolve anywhere later); this executor does not allow-list it.
        await using var h = await ApiHarness.StartAsync(executorSettings: new() { ["Egress:Allow:0"] = "", ["Egress:Allow:1"] = "" });
        var body = h.Webhook("rebinding", "\"delay\": \"1s\"");
        body["target"]!["url"] = h.Echo.EchoUrl().Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        body["maxAttempts"] = 3;
        var schedule = await h.CreateAsync(body);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Executor.DrainAsync();

        var dead = Assert.Single((await h.GetAsync("/api/v1/executions?status=dead"))["items"]!.AsArray())!;
        var error = (string)dead["lastError"]!;
        Assert.Contains("refused by the egress policy: localhost resolves to", error, StringComparison.Ordinal);
        Assert.Contains("loopback", error, StringComparison.Ordinal);
        Assert.Empty(await h.Echo.ReceivedAsync((string)schedule["id"]!));

        // An executor that allow-lists the name delivers the redriven execution.
        await using var allowed = new TestExecutor(h.Api.ConnectionString, h.Time, "allowed");
        await h.PostAsync($"/api/v1/executions/{dead["id"]}/redrive");
        Assert.Equal(1, await allowed.DrainAsync());
        Assert.Single(await h.Echo.ReceivedAsync((string)schedule["id"]!));
    }

    [Fact]
    public async Task Secrets_appear_in_no_log_line_trace_attribute_or_attempt_error()
    {
        var logs = new CapturedLogs();
        var tags = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => tags.Enqueue($"{a.DisplayName} {string.Join(' ', a.TagObjects)} {a.StatusDescription} {string.Join(' ', a.Events.Select(e => e.Name + string.Join(' ', e.Tags)))}"),
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var h = await ApiHarness.StartAsync(echoSigningSecret: SigningSecret);
        await using var executor = new TestExecutor(h.Api.ConnectionString, h.Time, "logged", logs: logs);
        var body = h.Webhook("failing-with-secrets", "\"delay\": \"1s\"", "fail=500");
        body["maxAttempts"] = 2;
        body["target"]!["signingSecret"] = SigningSecret;
        body["target"]!["headers"] = new JsonObject { ["Authorization"] = Token, ["X-Api-Key"] = "k3y-of-the-target", ["X-Vendor"] = "{{ secrets.vendor }}" };
        await h.PostAsync("/api/v1/secrets", System.Net.HttpStatusCode.Created, new JsonObject { ["name"] = "vendor", ["value"] = "n4med-secret-of-the-vendor" });
        var schedule = await h.CreateAsync(body);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await executor.DrainAsync();
        h.Time.Advance(TimeSpan.FromMinutes(1));
        await executor.DrainAsync();
        Assert.Equal(2, (await h.Echo.ReceivedAsync((string)schedule["id"]!)).Count);
        Assert.All(await h.Echo.ReceivedAsync((string)schedule["id"]!), r => Assert.Equal("n4med-secret-of-the-vendor", r.Headers["x-vendor"]));

        var history = await h.Client.GetStringAsync($"/api/v1/executions?scheduleId={schedule["id"]}");
        Assert.Contains("HTTP 500", history, StringComparison.Ordinal);
        Assert.NotEmpty(logs.Lines);
        Assert.NotEmpty(tags);
        foreach (var secret in new[] { "s3cr3t-token-0f-the-target", "k3y-of-the-target", SigningSecret[6..], "n4med-secret-of-the-vendor" })
        {
            Assert.DoesNotContain(logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(tags, t => t.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(secret, history, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(h.Webhook("redirected", "\"delay\": \"1s\"", "redirect=http://169.254.169.254/latest/meta-data/"));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Executor.DrainAsync();
        var dead = Assert.Single((await h.GetAsync("/api/v1/executions?status=dead"))["items"]!.AsArray())!;
        Assert.Equal(302, (int)dead["lastStatusCode"]!);
        Assert.Contains("redirect to http://169.254.169.254/latest/meta-data/ not followed", (string)dead["lastError"]!, StringComparison.Ordinal);
        Assert.Single(await h.Echo.ReceivedAsync((string)schedule["id"]!));
    }
}
