using System.Text.Json.Nodes;
using Scheduler.Cli.Manifests;
using Scheduler.Cli.Output;
using Scheduler.Cli.Resources;
using YamlDotNet.RepresentationModel;

namespace Scheduler.Cli.Tests;

/// <summary>YAML read by the core schema and written so that it reads back the same; specs compared in the files' terms.</summary>
public sealed class YamlAndDiffTests
{
    private static JsonNode? Read(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return YamlJson.ToJson(stream.Documents[0].RootNode, []);
    }

    [Fact]
    public void Plain_scalars_are_typed_and_quoted_ones_are_strings()
    {
        var json = Read("""
            n: 5
            s: "5"
            f: 1.5
            t: true
            q: 'true'
            z: ~
            e:
            cron: 0 0 * * *
            date: 2026-12-31
            tagged: !!str 12
            """)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"n": 5, "s": "5", "f": 1.5, "t": true, "q": "true", "z": null, "e": null, "cron": "0 0 * * *", "date": "2026-12-31", "tagged": "12"}
            """), json), json.ToJsonString());
    }

    [Fact]
    public void What_is_written_reads_back_as_the_same_json()
    {
        var value = JsonNode.Parse("""
            {"plain": "month-end", "number": "5", "bool": "true", "nothing": "null", "empty": "", "padded": " x ", "colon": "a: b", "hash": "#x",
             "template": "{{ logicalDate }}", "lines": "one\ntwo\n", "star": "*/5 * * * *", "list": [1, "2", false], "nested": {"k": [{"a": null}]}}
            """);
        var yaml = YamlJson.Write([value]);
        Assert.True(JsonNode.DeepEquals(value, Read(yaml)), yaml);
    }

    [Fact]
    public void Dates_times_crons_and_yaml_1_1_booleans_are_written_quoted_so_every_yaml_reader_reads_strings()
    {
        var value = JsonNode.Parse("""
            {"date": "2026-01-01", "time": "09:30", "cron": "0 0 17 * * *", "octal": "0755", "negative": "-1d", "yes": "yes", "off": "Off",
             "name": "month-end", "zone": "Europe/London"}
            """)!;
        var yaml = YamlJson.Write([value]);
        foreach (var quoted in new[] { "\"2026-01-01\"", "\"09:30\"", "\"0 0 17 * * *\"", "\"0755\"", "\"-1d\"", "yes: \"yes\"", "off: \"Off\"" })
        {
            Assert.Contains(quoted, yaml, StringComparison.Ordinal);
        }
        Assert.Contains("name: month-end\n", yaml, StringComparison.Ordinal);
        Assert.Contains("zone: Europe/London\n", yaml, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(value, Read(yaml)), yaml);
    }

    [Fact]
    public void A_calendar_whose_holidays_change_differs_by_one_change_per_date()
    {
        var changes = Compare(ResourceKind.Calendar,
            """{"weekendDays": ["saturday", "sunday"], "holidays": [{"date": "2026-12-25", "name": "Christmas Day"}, {"date": "2026-12-28", "name": "Boxing Day (substitute)"}, {"date": "2026-12-31", "name": "Office closed"}]}""",
            """{"name": "c", "weekendDays": ["saturday", "sunday"], "holidays": [{"date": "2026-12-25", "name": "Christmas"}, {"date": "2026-12-26", "name": "Boxing Day"}, {"date": "2026-12-28", "name": "Boxing Day (substitute)"}]}""");
        Assert.Equal(["holidays[2026-12-25].name", "holidays[2026-12-26]", "holidays[2026-12-31]"], changes.Select(c => c.Path));
        Assert.Equal(("Christmas", "Christmas Day"), ((string)changes[0].Before!, (string)changes[0].After!));
        Assert.Null(changes[1].After);
        Assert.Null(changes[2].Before);
        Assert.Equal("Office closed", (string)changes[2].After!["name"]!);
    }

    [Fact]
    public void Aliases_cannot_expand_a_small_file_into_a_huge_document()
    {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + string.Join("", Enumerable.Range(0, 6).Select(i =>
            $"{(char)('b' + i)}: &{(char)('b' + i)} [*{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}]\n"));
        var error = Assert.Throws<YamlDotNet.Core.YamlException>(() => Read(bomb));
        Assert.Contains("more than 100000 values", error.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<FieldChange> Compare(ResourceKind kind, string desired, string current) =>
        SpecComparer.Compare(kind, JsonNode.Parse(desired)!.AsObject(), SpecComparer.Project(kind, JsonNode.Parse(current)!.AsObject()));

    private const string Served = """
        {"id": "01a23321-0ea6-7f06-9142-17dbd4345d45", "name": "s1", "labels": {}, "kind": "cron", "cron": "0 0 17 * * *", "timeZone": "UTC",
         "catchUp": "latest", "target": {"type": "webhook", "url": "http://localhost:5003/hook", "method": "POST", "headers": {"Authorization": "***"},
         "body": {"a": 1}, "timeout": "PT3S"}, "maxAttempts": 5, "completion": {"runTimeout": "PT30M", "overlap": "allow"},
         "parameters": {"r": {"type": "string", "default": "eu"}}, "state": "paused", "nextFireAt": null, "version": 3, "managedBy": "ops"}
        """;

    [Fact]
    public void Defaults_short_durations_and_redacted_secrets_are_no_change()
    {
        var changes = Compare(ResourceKind.Schedule, """
            {"cron": "0 0 17 * * *", "target": {"type": "webhook", "url": "http://localhost:5003/hook", "headers": {"Authorization": "Bearer x"}, "body": {"a": 1}},
             "completion": {"runTimeout": "30m"}, "parameters": {"r": {"default": "eu"}}}
            """, Served);
        Assert.Empty(changes);
    }

    [Theory]
    [InlineData("""{"type": "rabbitmq", "connection": "orders", "exchange": "billing", "routingKey": "invoices"}""", "routingKey", "\"other\"")]
    [InlineData("""{"type": "nats", "connection": "events", "subject": "jobs.warm"}""", "subject", "\"jobs.cold\"")]
    public void Broker_targets_compare_like_the_others_defaults_left_out_and_a_changed_field_named(string target, string field, string changed)
    {
        // As the API answers: the defaults filled in (headers, timeout).
        var served = JsonNode.Parse(target)!.AsObject();
        served["headers"] = new JsonObject();
        served["timeout"] = "PT3S";
        var current = $$"""{"name": "s", "labels": {}, "kind": "cron", "cron": "0 0 6 * * *", "timeZone": "UTC", "catchUp": "latest", "target": {{served.ToJsonString()}}, "maxAttempts": 5}""";
        Assert.Empty(Compare(ResourceKind.Schedule, $$"""{"cron": "0 0 6 * * *", "target": {{target}}}""", current));

        var edited = JsonNode.Parse(target)!.AsObject();
        edited[field] = JsonNode.Parse(changed);
        var change = Assert.Single(Compare(ResourceKind.Schedule, $$"""{"cron": "0 0 6 * * *", "target": {{edited.ToJsonString()}}}""", current));
        Assert.Equal($"target.{field}", change.Path);
    }

    [Fact]
    public void A_change_is_named_by_its_path_with_before_and_after()
    {
        var changes = Compare(ResourceKind.Schedule, """
            {"cron": "0 30 17 * * *", "target": {"type": "webhook", "url": "http://localhost:5003/other", "body": {"a": 2}}, "maxAttempts": 3}
            """, Served);
        // Left out of the file: the header (removed), the completion's run timeout and the parameter's default (back to the server's defaults).
        Assert.Equal(["completion.runTimeout", "cron", "maxAttempts", "parameters.r.default", "target.body.a", "target.headers.Authorization", "target.url"],
            changes.Select(c => c.Path).Order(StringComparer.Ordinal));
        var url = changes.Single(c => c.Path == "target.url");
        Assert.Equal("http://localhost:5003/hook", (string)url.Before!);
        Assert.Equal("http://localhost:5003/other", (string)url.After!);
    }

    [Fact]
    public void A_schedules_state_is_a_change_only_where_the_file_gives_one()
    {
        const string desired = """{"cron": "0 0 17 * * *", "target": {"type": "webhook", "url": "http://localhost:5003/hook", "headers": {"Authorization": "Bearer x"}, "body": {"a": 1}}, "completion": {"runTimeout": "PT30M"}, "parameters": {"r": {"default": "eu"}}""";
        Assert.Empty(Compare(ResourceKind.Schedule, desired + "}", Served));
        Assert.Equal("state", Assert.Single(Compare(ResourceKind.Schedule, desired + ", \"state\": \"active\"}", Served)).Path);
    }

    [Fact]
    public void Workflow_steps_compare_field_by_field_with_the_servers_step_defaults()
    {
        const string current = """
            {"name": "w1", "labels": {}, "steps": [
              {"id": "a", "target": {"type": "webhook", "url": "http://h/a", "method": "POST", "headers": {}, "timeout": "PT3S"}, "dependsOn": [], "triggerRule": "allSuccess", "maxAttempts": 3, "completion": {"runTimeout": "PT1H"}, "rerunWithDownstream": false},
              {"id": "b", "target": {"type": "kafka", "topic": "t", "headers": {}, "timeout": "PT3S"}, "dependsOn": ["a"], "triggerRule": "allSuccess", "maxAttempts": 3, "completion": {"runTimeout": "PT1H"}, "rerunWithDownstream": false}],
             "maxActiveRuns": 16, "definitionHash": "sha256:x", "activeRuns": 0, "version": 1}
            """;
        Assert.Empty(Compare(ResourceKind.Workflow, """{"steps": [{"id": "a", "target": {"type": "webhook", "url": "http://h/a"}}, {"id": "b", "dependsOn": ["a"], "target": {"type": "kafka", "topic": "t"}}]}""", current));
        var change = Assert.Single(Compare(ResourceKind.Workflow, """{"steps": [{"id": "a", "target": {"type": "webhook", "url": "http://h/a"}}, {"id": "b", "dependsOn": ["a"], "target": {"type": "kafka", "topic": "u"}}]}""", current));
        Assert.Equal("steps[1].target.topic", change.Path);
    }

    [Fact]
    public void Export_leaves_out_defaults_and_what_the_server_computed()
    {
        var minimal = SpecComparer.Minimal(ResourceKind.Schedule, SpecComparer.Project(ResourceKind.Schedule, JsonNode.Parse(Served)!.AsObject()));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"cron": "0 0 17 * * *", "target": {"type": "webhook", "url": "http://localhost:5003/hook", "headers": {"Authorization": "***"}, "body": {"a": 1}},
             "completion": {"runTimeout": "PT30M"}, "parameters": {"r": {"default": "eu"}}, "state": "paused"}
            """), minimal), minimal.ToJsonString());
        var delay = SpecComparer.Project(ResourceKind.Schedule, JsonNode.Parse("""{"name": "d", "kind": "delay", "runAt": "2026-12-01T20:46:32Z", "delay": "PT1H", "state": "active"}""")!.AsObject());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"delay": "PT1H"}"""), delay), delay.ToJsonString());
    }
}
