using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Scheduler.Crud.Api.Tests;

/// <summary>
/// Seeded random mutations of valid requests: every answer is a success or a 4xx problem details, never a 5xx;
/// a refused request changes nothing, and whatever was accepted reads back. Another seed: SCHEDULER_FUZZ_SEED.
/// </summary>
public class MutationFuzzTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const int Iterations = 600;

    private static readonly string[] Valid =
    [
        """{"name":"cron","cron":"0 */5 9-17 * * MON-FRI","timeZone":"Europe/London","labels":{"team":"data"},"target":{"type":"webhook","url":"https://hooks.example.com/a","method":"PUT","headers":{"X-Team":"data","Authorization":"Bearer t"},"body":{"k":[1,2,{"n":null}]},"timeout":"PT2S","signingSecret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},"maxAttempts":3}""",
        """{"name":"once","runAt":"2031-06-01T10:00:00+02:00","description":"one shot","target":{"type":"kafka","topic":"jobs","key":"k1","headers":{"h":"v"},"value":{"a":"b"}}}""",
        """{"name":"later","delay":"90s","target":{"type":"webhook","url":"https://hooks.example.com/b"}}""",
        """{"name":"business","cron":"0 0 17 L * *","timeZone":"Europe/London","calendar":"fuzz-business","nonBusinessDay":"previous","startAt":"2030-01-01T00:00:00Z","endAt":"2035-01-01T00:00:00Z","jitter":"30s","catchUp":"all","catchUpWindow":"1h","state":"paused","target":{"type":"webhook","url":"https://hooks.example.com/c"}}""",
        """{"name":"nth","cron":"0 0 8 * * *","timeZone":"America/New_York","calendar":"fuzz-business","businessDaysOfMonth":[3,-2],"catchUp":"none","target":{"type":"webhook","url":"https://hooks.example.com/d"}}""",
        """{"name":"manual","manual":true,"target":{"type":"kafka","topic":"jobs"}}""",
        """{"name":"tracked","cron":"0 */5 * * * *","maxAttempts":3,"completion":{"runTimeout":"30m","heartbeatTimeout":"2m","overlap":"bufferOne"},"target":{"type":"webhook","url":"https://hooks.example.com/e"}}""",
    ];

    private static readonly JsonNode?[] Hostile =
    [
        null, true, 0, -1, 2147483648L, 1e308, "", " ", "\u0000", "\ud800", "\u202e", "é", "日本", "' or 1=1 --", "\r\nX-Injected: 1",
        "../../etc/passwd", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "P9999999999D", "* * * * * * *", "http://169.254.169.254/",
        "javascript:alert(1)", "***", "enc:v1:x:y", new string('x', 5000), new JsonArray(), new JsonObject(), new JsonArray(1, "a", null),
    ];

    [Fact]
    public async Task Random_mutations_of_valid_requests_never_fail_the_server_nor_corrupt_what_is_stored()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SCHEDULER_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20261124;
        var random = new Random(seed);
        var client = factory.CreateClient();
        // The calendar the timing-language seeds follow (a mutated name is an unknown calendar: a 400 naming it).
        using (var calendar = await client.PostAsync("/api/v1/calendars", new StringContent(
            """{ "name": "fuzz-business", "holidays": [ { "date": "2031-12-25", "name": "Christmas Day" } ] }""", Encoding.UTF8, "application/json")))
        {
            Assert.True(calendar.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await calendar.Content.ReadAsStringAsync());
        }
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < Iterations; i++)
        {
            var (method, url, body) = Mutate(random, i);
            var before = await factory.SnapshotAsync();
            using var request = new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var context = $"seed {seed} iteration {i}: {method} {url} {(body.Length > 300 ? body[..300] + "…" : body)} -> {status} {text}";

            Assert.True(status < 500, context);
            if (status >= 400)
            {
                Assert.True("application/problem+json" == response.Content.Headers.ContentType?.MediaType, context);
                Assert.True(before == await factory.SnapshotAsync(), "a refused request changed the database: " + context);
            }
            else if (status == 201 && url.EndsWith("/schedules", StringComparison.Ordinal))
            {
                var id = (string)JsonNode.Parse(text)!["id"]!;
                Assert.True(HttpStatusCode.OK == (await client.GetAsync($"/api/v1/schedules/{id}")).StatusCode, context);
            }
        }
        Assert.True(HttpStatusCode.OK == (await client.GetAsync("/api/v1/schedules?limit=500")).StatusCode);
        // The mix must exercise both sides, or the mutations are too weak (or too strong) to mean anything.
        Assert.True(statuses.Where(x => x.Key < 300).Sum(x => x.Value) > Iterations / 20, string.Join(", ", statuses));
        Assert.True(statuses.Where(x => x.Key >= 400).Sum(x => x.Value) > Iterations / 2, string.Join(", ", statuses));
    }

    private static (HttpMethod Method, string Url, string Body) Mutate(Random random, int i)
    {
        var root = JsonNode.Parse(Valid[random.Next(Valid.Length)])!.AsObject();
        root["name"] = $"{root["name"]}-{i}";
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations; m++)
        {
            var (parent, key) = PickProperty(random, root);
            switch (random.Next(5))
            {
                case 0:
                    parent.Remove(key);
                    break;
                case 1:
                    parent[key] = Hostile[random.Next(Hostile.Length)]?.DeepClone();
                    break;
                case 2:
                    parent[key + "x"] = 1;
                    break;
                default:
                    if (parent[key] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0)
                    {
                        // Damage a string: cut, repeat or splice in a hostile character.
                        var at = random.Next(text.Length);
                        parent[key] = random.Next(3) switch
                        {
                            0 => text[..at],
                            1 => string.Concat(Enumerable.Repeat(text, 1 + random.Next(300))),
                            _ => text.Insert(at, (string)Hostile[9 + random.Next(7)]!),
                        };
                    }
                    break;
            }
        }
        var body = root.ToJsonString();
        if (random.Next(10) == 0)
        {
            body = body[..random.Next(body.Length)];
        }
        return random.Next(4) switch
        {
            0 => (HttpMethod.Post, "/api/v1/preview", body),
            _ => (HttpMethod.Post, "/api/v1/schedules", body),
        };
    }

    private static (JsonObject Parent, string Key) PickProperty(Random random, JsonObject root)
    {
        var parent = root;
        while (true)
        {
            var keys = parent.Select(p => p.Key).ToList();
            if (keys.Count == 0)
            {
                return (parent, "name");
            }
            var key = keys[random.Next(keys.Count)];
            if (parent[key] is JsonObject child && child.Count > 0 && random.Next(2) == 0)
            {
                parent = child;
                continue;
            }
            return (parent, key);
        }
    }
}
