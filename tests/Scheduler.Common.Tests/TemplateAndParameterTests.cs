using System.Text;
using System.Text.Json;
using Scheduler.Common.Delivery;
using Scheduler.Common.Parameters;
using Scheduler.Common.Schedules;
using Scheduler.Common.Targets;
using Scheduler.Common.Templates;
using Scheduler.Common.Validation;
using Xunit;

namespace Scheduler.Common.Tests;

public sealed class TemplateAndParameterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static ScheduleRequest Request(string target, string? parameters = null, bool manual = false) => new()
    {
        Name = "t",
        Cron = manual ? null : "0 0 6 * * *",
        Manual = manual ? true : null,
        Target = JsonSerializer.Deserialize<TargetRequest>(target, SchedulerJson.Options),
        Parameters = parameters is null ? null : JsonSerializer.Deserialize<Dictionary<string, ParameterRequest?>>(parameters, SchedulerJson.Options),
    };

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IDictionary<string, string[]> Errors(ScheduleRequest request) => ScheduleValidator.Validate(request, Now, out _).ToDictionary();

    [Fact]
    public void Templates_render_into_the_body_and_headers_exactly_as_documented()
    {
        var errors = ScheduleValidator.Validate(Request("""
            {"type": "webhook", "url": "https://example.com/run",
             "headers": {"Authorization": "Bearer {{ secrets.vendor_token }}", "X-Day": "{{ interval.start | date: '%Y-%m-%d' }}"},
             "body": {"conf": {"day": "{{ logicalDate }}", "from": "{{ interval.start }}", "to": "{{ interval.end }}",
                               "region": "{{ params.region | upcase }}", "note": "say \"{{ params.region }}\""},
                      "execution": "{{ executionId }}/{{ attempt }}", "count": 3, "fixed": "no template"}}
            """, """{"region": {"type": "string", "default": "eu"}}"""), Now, out var definition);
        Assert.True(errors.IsValid, errors.ToString());
        Assert.Equal(["vendor_token"], definition!.SecretRefs);

        var id = Guid.Parse("0190a8f4-0000-7000-8000-000000000001");
        var trigger = new TriggerContext(id, Guid.NewGuid(), "t", new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero), 2,
            Interval: new DataInterval(new DateTimeOffset(2026, 11, 23, 6, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero)),
            Parameters: JsonDocument.Parse("""{"region": "eu\"west"}""").RootElement);
        var rendered = (WebhookTarget)TargetTemplates.Render(definition.Target, trigger, name => name == "vendor_token" ? "s3cr3t" : throw new KeyNotFoundException());

        Assert.Equal("Bearer s3cr3t", rendered.Headers["Authorization"]);
        Assert.Equal("2026-11-23", rendered.Headers["X-Day"]);
        Assert.Equal(
            """{"conf":{"day":"2026-11-24T06:00:00Z","from":"2026-11-23T06:00:00Z","to":"2026-11-24T06:00:00Z","region":"EU\"WEST","note":"say \"eu\"west\""},"execution":"0190a8f4-0000-7000-8000-000000000001/2","count":3,"fixed":"no template"}""",
            JsonSerializer.Serialize(rendered.Body, Relaxed));
    }

    [Fact]
    public void A_kafka_value_and_key_render_too_and_text_without_templates_is_untouched()
    {
        var errors = ScheduleValidator.Validate(Request("""
            {"type": "kafka", "topic": "jobs", "key": "{{ params.tenant }}", "value": {"at": "{{ scheduledFor }}", "plain": "{ not a template }"}}
            """, """{"tenant": {"type": "string", "default": "acme"}}"""), Now, out var definition);
        Assert.True(errors.IsValid, errors.ToString());
        var trigger = new TriggerContext(Guid.NewGuid(), Guid.NewGuid(), "t", new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero), 1,
            Parameters: JsonDocument.Parse("""{"tenant": "acme"}""").RootElement);
        var rendered = (KafkaTarget)TargetTemplates.Render(definition!.Target, trigger, _ => throw new InvalidOperationException("no secrets here"));
        Assert.Equal("acme", rendered.Key);
        Assert.Equal("""{"at":"2026-11-24T06:00:00Z","plain":"{ not a template }"}""", rendered.Value!.Value.GetRawText());
    }

    [Theory]
    [InlineData("""{"body": {"x": "{{ nope }}"}}""", "target.body.x", "unknown variable 'nope'")]
    [InlineData("""{"body": {"x": "{{ params.missing }}"}}""", "target.body.x", "undeclared parameter 'missing'; declared: region")]
    [InlineData("""{"body": {"x": "{% if %}"}}""", "target.body.x", "not a valid Liquid template")]
    [InlineData("""{"body": {"x": "{{ secrets.token }}"}}""", "target.body.x", "secrets are resolved into header values only")]
    [InlineData("""{"body": ["{% include 'etc/passwd' %}"]}""", "target.body[0]", "cannot include or render")]
    [InlineData("""{"body": {"x": "{{ stepId }}"}}""", "target.body.x", "only a workflow step's target has")]
    [InlineData("""{"headers": {"X-A": "{{ interval.middle }}"}}""", "target.headers.X-A", "without .start or .end")]
    [InlineData("""{"headers": {"X-A": "{{ secrets }}"}}""", "target.headers.X-A", "names no secret")]
    public void Bad_templates_are_refused_naming_the_field(string extra, string field, string message)
    {
        var target = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(extra)!;
        target["type"] = JsonDocument.Parse("\"webhook\"").RootElement;
        target["url"] = JsonDocument.Parse("\"https://example.com\"").RootElement;
        var errors = Errors(Request(JsonSerializer.Serialize(target), """{"region": {"default": "eu"}}"""));
        Assert.True(errors.ContainsKey(field), string.Join("; ", errors.Keys));
        Assert.Contains(message, string.Join(" ", errors[field]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_parameter_cannot_add_a_header_and_a_loop_is_bounded()
    {
        ScheduleValidator.Validate(Request("""{"type": "webhook", "url": "https://example.com", "headers": {"X-A": "{{ params.a }}"}}""", """{"a": {"default": "x"}}"""),
            Now, out var definition);
        var trigger = new TriggerContext(Guid.NewGuid(), Guid.NewGuid(), "t", Now, 1, Parameters: JsonDocument.Parse("""{"a": "x\r\nX-Evil: 1"}""").RootElement);
        var e = Assert.Throws<TemplateException>(() => TargetTemplates.Render(definition!.Target, trigger, _ => ""));
        Assert.Contains("line break", e.Message, StringComparison.Ordinal);

        ScheduleValidator.Validate(Request("""{"type": "webhook", "url": "https://example.com", "body": {"x": "{% for i in (1..100000000) %}x{% endfor %}"}}"""),
            Now, out var looping);
        Assert.Throws<TemplateException>(() => TargetTemplates.Render(looping!.Target, new TriggerContext(Guid.NewGuid(), null, "t", Now, 1), _ => ""));
    }

    [Fact]
    public void Parameters_are_checked_against_the_declaration_with_defaults_filled_in()
    {
        var errors = new ValidationErrors();
        var declared = ParameterValidator.ValidateDeclaration(new Dictionary<string, ParameterRequest?>
        {
            ["region"] = new() { Type = "string", Default = JsonDocument.Parse("\"eu\"").RootElement },
            ["day"] = new() { Type = "date", Required = true },
            ["limit"] = new() { Type = "integer" },
            ["dry"] = new() { Type = "boolean", Default = JsonDocument.Parse("false").RootElement },
        }, errors);
        Assert.True(errors.IsValid, errors.ToString());

        var resolved = ParameterValidator.Resolve(declared, JsonDocument.Parse("""{"day": "2026-11-24", "limit": 5}""").RootElement, "parameters", errors);
        Assert.Equal("""{"day":"2026-11-24","limit":5,"region":"eu","dry":false}""", resolved!.ToJsonString());

        ParameterValidator.Resolve(declared, JsonDocument.Parse("""{"limit": 1.5, "day": "24/11/2026", "other": 1}""").RootElement, "parameters", errors);
        var problems = errors.ToDictionary();
        Assert.Contains("must be an integer, got 1.5", problems["parameters.limit"][0], StringComparison.Ordinal);
        Assert.Contains("YYYY-MM-DD", problems["parameters.day"][0], StringComparison.Ordinal);
        Assert.Contains("not a declared parameter", problems["parameters.other"][0], StringComparison.Ordinal);

        errors = new ValidationErrors();
        ParameterValidator.Resolve(declared, null, "parameters", errors);
        Assert.Contains("is required (a date) and has no default", errors.ToDictionary()["parameters.day"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Declarations_name_bad_types_names_and_defaults_and_a_timed_job_needs_defaults()
    {
        var errors = Errors(Request("""{"type": "webhook", "url": "https://example.com"}""",
            """{"1st": {"type": "string"}, "n": {"type": "float"}, "d": {"type": "integer", "default": "ten"}, "r": {"type": "string", "required": true}}"""));
        Assert.Contains("parameter names", errors["parameters.1st"][0], StringComparison.Ordinal);
        Assert.Contains("'float' is not a parameter type", errors["parameters.n.type"][0], StringComparison.Ordinal);
        Assert.Contains("must be an integer, got \"ten\"", errors["parameters.d.default"][0], StringComparison.Ordinal);
        Assert.Contains("a timed occurrence is given no parameters", errors["parameters.r"][0], StringComparison.Ordinal);
        // A manual job may require a parameter: every trigger gives it.
        Assert.Empty(Errors(Request("""{"type": "webhook", "url": "https://example.com"}""", """{"r": {"type": "string", "required": true}}""", manual: true)));
    }

    [Fact]
    public void The_trigger_envelope_carries_the_logical_date_interval_and_parameters()
    {
        var trigger = new TriggerContext(Guid.NewGuid(), Guid.NewGuid(), "t", Now, 1, LogicalDate: new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero),
            Interval: new DataInterval(new DateTimeOffset(2026, 11, 23, 6, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero)),
            Parameters: JsonDocument.Parse("""{"region": "eu"}""").RootElement, BackfillId: Guid.Empty);
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(TriggerEnvelope.Encode(trigger, out _).Span));
        var data = json.RootElement.GetProperty("data");
        Assert.Equal("2026-11-24T06:00:00+00:00", data.GetProperty("logicalDate").GetString());
        Assert.Equal("2026-11-23T06:00:00+00:00", data.GetProperty("dataInterval").GetProperty("start").GetString());
        Assert.Equal("eu", data.GetProperty("parameters").GetProperty("region").GetString());
        Assert.Equal(Guid.Empty, data.GetProperty("backfillId").GetGuid());
    }
}
