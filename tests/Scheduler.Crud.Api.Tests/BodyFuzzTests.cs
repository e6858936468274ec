using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Crud.Api.Tests.Contract;
using Scheduler.Testing;
using Xunit.Abstractions;

namespace Scheduler.Crud.Api.Tests;

/// <summary>
/// Hostile values in every field of every request body, over real HTTP: the operations and their fields come from
/// the OpenAPI document (request schemas walked through <c>$ref</c>, unions, arrays and maps), so an operation or a
/// field added later is fuzzed without anyone listing it. Each value replaces one field of a valid seed body.
/// Every answer is below 500 and keeps the contract; a refusal is problem details naming the field (or a part of it)
/// and changes nothing stored; the API still answers after each; what must be refused (NUL, unpaired surrogates,
/// nesting past the bound, numbers past a double, a wrong type in a typed field) is.
/// </summary>
public sealed class BodyFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Fields fuzzed per operation (every operation is covered; its fields are sampled beyond this). SCHEDULER_FUZZ_FIELDS overrides it.</summary>
    private const int FieldsPerOperation = 14;

    private const string Placeholder = "__fuzzed_value__";

    /// <summary>
    /// A valid body for each operation that takes one, keyed by method and path template: the fuzzer fails naming any
    /// operation missing here. <c>{echo}</c> is WaitEcho's address; a root <c>name</c> of a create is made unique per request.
    /// </summary>
    private static readonly Dictionary<string, string> Seeds = new(StringComparer.Ordinal)
    {
        ["POST /api/v1/schedules"] = Schedule("fuzz"),
        ["PUT /api/v1/schedules/{id}"] = Schedule(FixtureSchedule),
        ["POST /api/v1/schedules/batch"] = """{"items":[""" + Schedule("fuzz") + "]}",
        ["POST /api/v1/schedules/{id}/trigger"] = """{"parameters":{"p":"y"}}""",
        ["POST /api/v1/executions/{id}/attempts/{attempt}/report"] = """{"status":"running","progress":10,"message":"m","codeVersion":"v1","logsUrl":"https://logs.example.com/a"}""",
        ["POST /api/v1/preview"] = """{"cron":"0 0 9 * * *","timeZone":"Europe/London","calendar":"fuzz-business","nonBusinessDay":"previous","startAt":"2030-01-01T00:00:00Z","jitter":"30s","from":"2031-03-01T00:00:00Z","count":5}""",
        ["POST /api/v1/schedules/{id}/backfills"] = """{"start":"2026-11-23","end":"2026-11-25","batch":"occurrence","maxActiveRuns":2,"parameters":{"p":"z"},"dryRun":true}""",
        ["POST /api/v1/workflows/{id}/backfills"] = """{"start":"2026-11-23","end":"2026-11-25","batch":"day","maxActiveRuns":2,"parameters":{"p":"z"},"dryRun":true}""",
        ["POST /api/v1/calendars"] = Calendar("fuzz"),
        ["PUT /api/v1/calendars/{id}"] = Calendar("fuzz-business"),
        ["POST /api/v1/workflows"] = Workflow("fuzz"),
        ["PUT /api/v1/workflows/{id}"] = Workflow(FixtureWorkflow),
        ["POST /api/v1/workflows/{id}/runs"] = """{"parameters":{"p":"y"}}""",
        ["POST /api/v1/workflow-runs/{id}/rerun"] = """{"step":"a","downstream":true}""",
        ["POST /api/v1/outages"] = Outage("fuzz"),
        ["PUT /api/v1/outages/{id}"] = Outage(FixtureOutage),
        ["POST /api/v1/secrets"] = """{"name":"fuzz","description":"d","value":"v"}""",
        ["PUT /api/v1/secrets/{id}"] = """{"name":"fuzz_secret","description":"d","value":"v2"}""",
        ["POST /api/v1/api-keys"] = """{"name":"fuzz","scope":"read"}""",
    };

    private const string FixtureSchedule = "fuzz-fixture";
    private const string FixtureWorkflow = "fuzz-flow";
    private const string FixtureOutage = "fuzz-outage";

    private static string Schedule(string name) => $$$"""
        {"name":"{{{name}}}","labels":{"team":"data"},"cron":"0 0 9 * * *","timeZone":"Europe/London","calendar":"fuzz-business",
         "jitter":"30s","catchUp":"none",
         "maxAttempts":3,"parameters":{"p":{"type":"string","default":"x"}},"completion":{"runTimeout":"30m","heartbeatTimeout":"2m","overlap":"bufferOne"},
         "target":{"type":"webhook","url":"{echo}","method":"PUT","headers":{"X-Team":"data"},"body":{"k":[1,{"n":null}]},"timeout":"PT2S"}}
        """;

    private static string Calendar(string name) => $$$"""
        {"name":"{{{name}}}","description":"d","weekendDays":["saturday","sunday"],"holidays":[{"date":"2031-12-25","name":"Christmas Day"}]}
        """;

    private static string Workflow(string name) => $$$"""
        {"name":"{{{name}}}","labels":{"team":"data"},"maxActiveRuns":5,"parameters":{"p":{"type":"string","default":"x"}},
         "steps":[{"id":"a","target":{"type":"webhook","url":"{echo}","headers":{"X-Step":"a"},"body":{"k":1}},"maxAttempts":2,"rerunWithDownstream":true},
                  {"id":"b","dependsOn":["a"],"triggerRule":"allSuccess","target":{"type":"webhook","url":"{echo}"},"completion":{"runTimeout":"30m"}}]}
        """;

    private static string Outage(string name) => $$$"""
        {"name":"{{{name}}}","description":"d","from":"2031-01-01T00:00:00Z","to":"2031-01-02T00:00:00Z","policy":"skip","labels":{"team":"data"}}
        """;

    private enum Expect
    {
        /// <summary>Refused wherever it is sent.</summary>
        Refused,

        /// <summary>Refused where the schema gives the field a type this value does not have.</summary>
        WrongTypeRefused,

        /// <summary>Accepted or refused, never a failure.</summary>
        Either,
    }

    /// <param name="Kind">The JSON type of the value (for <see cref="Expect.WrongTypeRefused"/>).</param>
    private sealed record Hostile(string Name, string Json, Expect Expect, string? Kind = null);

    private static readonly Hostile[] Values =
    [
        new("NUL", "\"a\\u0000b\"", Expect.Refused),
        new("a lone high surrogate", "\"x\\ud800\"", Expect.Refused),
        new("a lone low surrogate", "\"\\udfff\"", Expect.Refused),
        new("NUL in a key", "{\"k\\u0000\":1}", Expect.Refused),
        new("nesting past the bound", new string('[', 40) + new string(']', 40), Expect.Refused),
        new("a number past a double", "1e400", Expect.Refused),
        new("a 150-digit number", "1" + new string('0', 150), Expect.Refused),
        new("a number as a string", "\"3\"", Expect.WrongTypeRefused, "string"),
        new("a whole number", "3", Expect.WrongTypeRefused, "integer"),
        new("a fraction", "1.5", Expect.WrongTypeRefused, "number"),
        new("a boolean", "true", Expect.WrongTypeRefused, "boolean"),
        new("an array", "[1]", Expect.WrongTypeRefused, "array"),
        new("an object", "{\"k\":1}", Expect.WrongTypeRefused, "object"),
        new("a 30-digit integer", "123456789012345678901234567890", Expect.Either),
        new("a 300,000-character string", "\"" + new string('x', 300_000) + "\"", Expect.Either),
        new("nested templates", "\"" + string.Concat(Enumerable.Repeat("{% if x %}", 200)) + string.Concat(Enumerable.Repeat("{% endif %}", 200)) + "\"", Expect.Either),
    ];

    private ApiHarness _h = null!;
    private string _snapshotSql = "";
    private int _unique;

    public async Task InitializeAsync() => _h = await ApiHarness.StartAsync(kestrel: true);

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Hostile_values_in_every_field_of_every_request_body_are_refused_naming_the_field_and_change_nothing()
    {
        var document = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(PostgresServer.RepositoryRoot(), "docs", "openapi.json")))!;
        var schemas = document["components"]!["schemas"]!.AsObject();
        var operations = (from path in document["paths"]!.AsObject()
                          from operation in path.Value!.AsObject()
                          let schema = operation.Value!["requestBody"]?["content"]?["application/json"]?["schema"]
                          where schema is not null
                          select (Key: $"{operation.Key.ToUpperInvariant()} {path.Key}", Method: operation.Key.ToUpperInvariant(), Template: path.Key, Schema: schema))
            .ToList();
        var unseeded = operations.Where(o => !Seeds.ContainsKey(o.Key)).Select(o => o.Key).ToList();
        Assert.True(unseeded.Count == 0, "operations with a JSON body but no valid seed body in BodyFuzzTests.Seeds: " + string.Join(", ", unseeded));
        Assert.True(operations.Count >= 19, $"{operations.Count} operations with a JSON body");

        var ids = await FixturesAsync();
        _snapshotSql = await SnapshotSqlAsync();
        var perOperation = int.TryParse(Environment.GetEnvironmentVariable("SCHEDULER_FUZZ_FIELDS"), CultureInfo.InvariantCulture, out var f) ? f : FieldsPerOperation;
        var random = new Random(20261207);
        var failures = new List<string>();
        var (requests, refusals, fieldsSeen, fieldsFuzzed) = (0, 0, 0, 0);

        foreach (var operation in operations)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var path = Resolve(operation.Template, ids);
            var seed = JsonNode.Parse(Seeds[operation.Key].Replace("{echo}", _h.Echo.EchoUrl(), StringComparison.Ordinal))!;
            // The seed itself must be accepted: otherwise every refusal below could be the seed's fault.
            var (seedStatus, seedText) = await SendAsync(operation.Method, path, Unique(operation.Method, seed).ToJsonString());
            Assert.True(seedStatus is >= 200 and < 300, $"the seed of {operation.Key} is refused: {seedStatus} {seedText}");
            await SettleAsync(ids);

            var fields = new List<Field> { new("", [], new HashSet<string>()) };
            Walk(operation.Schema, schemas, seed, "", [], fields, 0);
            fieldsSeen += fields.Count;
            // The root and a seeded sample of the rest (all of them with SCHEDULER_FUZZ_FIELDS=1000).
            var sample = fields.Take(1).Concat(fields.Skip(1).OrderBy(_ => random.Next()).Take(perOperation - 1)).ToList();
            fieldsFuzzed += sample.Count;
            var before = await SnapshotAsync();
            foreach (var field in sample)
            {
                foreach (var value in Values)
                {
                    var mustRefuse = value.Expect == Expect.Refused ||
                                     (value.Expect == Expect.WrongTypeRefused && field.Types.Count > 0 && !Admits(field.Types, value.Kind!));
                    var body = Unique(operation.Method, With(seed, field.Location)).ToJsonString()
                        .Replace($"\"{Placeholder}\"", value.Json, StringComparison.Ordinal);
                    if (field.Location.Count == 0)
                    {
                        body = value.Json;
                    }
                    requests++;
                    var (status, text) = await SendAsync(operation.Method, path, body);
                    var context = $"{operation.Key} {(field.Path.Length == 0 ? "(the whole body)" : field.Path)} = {value.Name} -> {status} " +
                                  (text.Length > 300 ? text[..300] + "…" : text);
                    if (status >= 500 || status == 0)
                    {
                        failures.Add(context);
                    }
                    else if (status >= 400)
                    {
                        refusals++;
                        // What only this field could cause must name it; a value of the right type may clash with another field
                        // (manual with cron, a name taken), and then the problem names the field it clashes with.
                        if (mustRefuse ? !NamesTheField(text, field.Path) : NamedFields(text).Count == 0)
                        {
                            failures.Add($"the problem does not name {(mustRefuse ? "the field" : "a field")}: " + context);
                        }
                    }
                    else if (mustRefuse)
                    {
                        failures.Add("accepted: " + context);
                    }
                    var after = await SnapshotAsync();
                    if (status >= 400 && after != before)
                    {
                        failures.Add("a refused request changed the database: " + context);
                    }
                    if (status is >= 200 and < 300)
                    {
                        await SettleAsync(ids);
                        after = await SnapshotAsync();
                    }
                    before = after;
                    using var health = await _h.Client.GetAsync("/healthz");
                    if (health.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"the API stopped answering (/healthz {(int)health.StatusCode}) after " + context);
                    }
                }
            }
            output.WriteLine($"{operation.Key}: {fields.Count} fields, {sample.Count} fuzzed, {started.ElapsedMilliseconds} ms");
        }

        output.WriteLine($"{operations.Count} operations, {fieldsSeen} fields in their schemas, {fieldsFuzzed} fuzzed × {Values.Length} values: " +
                         $"{requests} requests, {refusals} refused");
        Assert.True(failures.Count == 0, $"{failures.Count} hostile bodies were answered wrongly:\n" + string.Join('\n', failures.Take(40)));
        Assert.True(refusals > requests / 2, $"{refusals} of {requests} refused: the values are too weak to mean anything");
    }

    /// <param name="Location">Keys and indexes from the body's root to the field.</param>
    /// <param name="Types">The JSON types its schema allows besides null (none: any).</param>
    private sealed record Field(string Path, IReadOnlyList<object> Location, IReadOnlySet<string> Types);

    /// <summary>The fields of <paramref name="schema"/> where <paramref name="seed"/> can hold them: every property, one entry of a map, the first item of an array.</summary>
    private static void Walk(JsonNode schema, JsonObject definitions, JsonNode? seed, string path, List<object> location, List<Field> fields, int depth)
    {
        var branches = Branches(schema, definitions).ToList();
        if (depth > 8)
        {
            return;
        }
        void Add(string childPath, List<object> childLocation, JsonNode childSchema, JsonNode? childSeed)
        {
            fields.Add(new Field(childPath, childLocation, Types(childSchema, definitions)));
            if (childSeed is JsonObject or JsonArray)
            {
                Walk(childSchema, definitions, childSeed, childPath, childLocation, fields, depth + 1);
            }
        }
        static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
        foreach (var branch in branches.Where(b => (string?)(b["type"] as JsonValue) != "null"))
        {
            if (seed is JsonObject obj)
            {
                foreach (var (name, property) in branch["properties"]?.AsObject() ?? [])
                {
                    Add(Join(path, name), [.. location, name], property!, obj[name]);
                }
                if (branch["additionalProperties"] is JsonObject entry)
                {
                    var key = obj.Select(p => p.Key).FirstOrDefault() ?? "fuzz";
                    Add(Join(path, key), [.. location, key], entry, obj[key]);
                }
                else if (branch["properties"] is null && branch["additionalProperties"] is null)
                {
                    // Free-form JSON (a body, parameters, an output): a new key in it.
                    Add(Join(path, "fuzz"), [.. location, "fuzz"], new JsonObject(), null);
                }
            }
            else if (seed is JsonArray { Count: > 0 } array && branch["items"] is JsonObject items)
            {
                Add($"{path}[0]", [.. location, 0], items, array[0]);
            }
        }
    }

    private static IEnumerable<JsonObject> Branches(JsonNode schema, JsonObject definitions)
    {
        var node = schema.AsObject();
        if (node["$ref"] is { } reference)
        {
            node = definitions[((string)reference!).Split('/')[^1]]!.AsObject();
        }
        var union = (node["oneOf"] ?? node["anyOf"] ?? node["allOf"])?.AsArray();
        return union is null ? [node] : union.SelectMany(b => Branches(b!, definitions));
    }

    private static HashSet<string> Types(JsonNode schema, JsonObject definitions)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var branch in Branches(schema, definitions))
        {
            if (branch["type"] is not { } type)
            {
                return []; // Any branch without a type admits anything.
            }
            foreach (var name in type is JsonArray list ? list.Select(t => (string)t!) : [(string)type!])
            {
                types.Add(name);
            }
        }
        types.Remove("null");
        return types;
    }

    private static bool Admits(IReadOnlySet<string> types, string kind) =>
        types.Contains(kind) || (kind == "integer" && types.Contains("number"));

    /// <summary>The seed with the placeholder at <paramref name="location"/> (added where the seed has no such field).</summary>
    private static JsonNode With(JsonNode seed, IReadOnlyList<object> location)
    {
        var body = seed.DeepClone();
        if (location.Count == 0)
        {
            return body;
        }
        var parent = body;
        foreach (var step in location.Take(location.Count - 1))
        {
            parent = step is int index ? parent[index]! : parent[(string)step]!;
        }
        if (location[^1] is int at)
        {
            parent.AsArray()[at] = Placeholder;
        }
        else
        {
            parent.AsObject()[(string)location[^1]] = Placeholder;
        }
        return body;
    }

    /// <summary>A create's names made unique, so that one accepted request does not make the next a conflict.</summary>
    private JsonNode Unique(string method, JsonNode body)
    {
        if (method != "POST" || body is not JsonObject root)
        {
            return body;
        }
        var named = root["items"] is JsonArray items ? items.OfType<JsonObject>() : [root];
        foreach (var item in named.Where(o => o["name"] is JsonValue name && (string?)name != Placeholder))
        {
            item["name"] = $"fuzz_{++_unique}";
        }
        return body;
    }

    /// <summary>
    /// The problem names the field, a part of it (<c>target.body.a[0]</c> for <c>target.body</c>) or what holds it
    /// (<c>target.body</c> for <c>target.body.fuzz</c>), but not merely the body as a whole.
    /// </summary>
    private static bool NamesTheField(string problem, string field)
    {
        if (field.Length == 0)
        {
            return true;
        }
        return NamedFields(problem).Any(key =>
            key == field || key.StartsWith(field + ".", StringComparison.Ordinal) || key.StartsWith(field + "[", StringComparison.Ordinal) ||
            (key.Length > 0 && (field.StartsWith(key + ".", StringComparison.Ordinal) || field.StartsWith(key + "[", StringComparison.Ordinal))));
    }

    /// <summary>The fields a problem names: its <c>errors</c>, or the field its detail starts with (<c>name: a calendar named …</c>).</summary>
    private static List<string> NamedFields(string problem)
    {
        var node = JsonNode.Parse(problem);
        var named = (node?["errors"] as JsonObject)?.Select(e => e.Key).ToList() ?? [];
        if ((string?)node?["detail"] is { } detail && System.Text.RegularExpressions.Regex.Match(detail, @"^([\w.\[\]]+): ") is { Success: true } match)
        {
            named.Add(match.Groups[1].Value);
        }
        return named;
    }

    private async Task<(int Status, string Text)> SendAsync(string method, string path, string body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (path.EndsWith("/report", StringComparison.Ordinal))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _reportToken);
        }
        try
        {
            using var response = await _h.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                return (0, $"{(int)response.StatusCode} not problem details: {text}");
            }
            return ((int)response.StatusCode, text);
        }
        catch (ContractViolationException violation)
        {
            return (0, "breaks the contract: " + violation.Message);
        }
        catch (HttpRequestException e)
        {
            return (0, "no answer: " + e.Message);
        }
    }

    private string _reportToken = "";

    /// <summary>The objects the operations' paths name, by the collection before <c>{id}</c>.</summary>
    private async Task<Dictionary<string, string>> FixturesAsync()
    {
        var echo = _h.Echo.EchoUrl();
        async Task<string> Create(string url, string body) =>
            (string)(await _h.PostAsync(url, HttpStatusCode.Created, JsonNode.Parse(body.Replace("{echo}", echo, StringComparison.Ordinal))))["id"]!;

        var calendar = await Create("/api/v1/calendars", Calendar("fuzz-business"));
        var schedule = await Create("/api/v1/schedules", Schedule(FixtureSchedule));
        var workflow = await Create("/api/v1/workflows", Workflow(FixtureWorkflow));
        var outage = await Create("/api/v1/outages", Outage(FixtureOutage));
        var secret = await Create("/api/v1/secrets", """{"name":"fuzz_secret","value":"v"}""");

        // A run that tracks its result, delivered, so that its worker may report: the token comes with the delivery.
        var tracked = await Create("/api/v1/schedules", """{"name":"fuzz-tracked","manual":true,"completion":{"runTimeout":"1h"},"target":{"type":"webhook","url":"{echo}"}}""");
        var execution = (string)(await _h.PostAsync($"/api/v1/schedules/{tracked}/trigger", HttpStatusCode.Accepted))["id"]!;
        // A run that has ended (one step, whose worker reports at once), so that it may be rerun.
        var ended = await Create("/api/v1/workflows", """{"name":"fuzz-rerun","steps":[{"id":"a","target":{"type":"webhook","url":"{work}"}}]}"""
            .Replace("{work}", _h.Echo.WorkUrl("for=0s"), StringComparison.Ordinal));
        var run = (string)(await _h.PostAsync($"/api/v1/workflows/{ended}/runs", HttpStatusCode.Created))["id"]!;
        await Workflows.WorkflowRunTests.FinishAsync(_h, run);
        await _h.Executor.DrainAsync();
        _reportToken = (await _h.Echo.ReceivedAsync(tracked)).Single().Headers["scheduleman-report-token"];
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["calendars"] = calendar, ["schedules"] = schedule, ["workflows"] = workflow, ["outages"] = outage, ["secrets"] = secret,
            ["executions"] = execution, ["workflow-runs"] = run, ["attempt"] = "1",
        };
    }

    /// <summary>Lets what was accepted settle (a trigger is delivered, a rerun ends), so that the next seed stays valid.</summary>
    private async Task SettleAsync(Dictionary<string, string> ids)
    {
        await _h.Executor.DrainAsync();
        await Workflows.WorkflowRunTests.FinishAsync(_h, ids["workflow-runs"]);
    }

    private static string Resolve(string template, Dictionary<string, string> ids)
    {
        var segments = template.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i] is ['{', .., '}'])
            {
                var name = segments[i] == "{id}" ? segments[i - 1] : segments[i][1..^1];
                Assert.True(ids.TryGetValue(name, out var id), $"{template}: BodyFuzzTests has no fixture for {{{name}}} of '{name}'");
                segments[i] = id;
            }
        }
        return string.Join('/', segments);
    }

    /// <summary>One statement hashing every table (found in the schema, so a new table is covered): a refusal must leave it equal.</summary>
    private async Task<string> SnapshotSqlAsync()
    {
        await using var connection = new NpgsqlConnection(_h.Api.ConnectionString);
        // Executors' heartbeats change with every drain, not with requests.
        var tables = (await connection.QueryAsync<string>(
            "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'executors' order by 1")).ToList();
        Assert.Contains("schedules", tables);
        return "select concat_ws('|', " + string.Join(", ", tables.Select(t =>
            $"(select '{t}:' || count(*) || ':' || coalesce(md5(string_agg(x::text, ',' order by x::text)), '') from \"{t}\" x)")) + ")";
    }

    private async Task<string> SnapshotAsync()
    {
        await using var connection = new NpgsqlConnection(_h.Api.ConnectionString);
        return await connection.ExecuteScalarAsync<string>(_snapshotSql) ?? "";
    }
}
