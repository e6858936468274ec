using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Common.Delivery;
using Scheduler.Common.Schedules;
using Scheduler.Common.Targets;
using Scheduler.Common.Templates;

namespace Scheduler.Common.Tests;

/// <summary>Issue 31: every bound on templates, just under (accepted, renders) and just over (refused, naming the field).</summary>
public sealed class TemplateBoundsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TriggerContext Trigger = new(Guid.NewGuid(), Guid.NewGuid(), "t", Now, 1);

    /// <summary>A string of 2^<paramref name="doublings"/> x's, made by the template itself.</summary>
    private static string Doubled(int doublings) =>
        $"{{% assign s = 'x' %}}{{% for i in (1..{doublings}) %}}{{% assign s = s | append: s %}}{{% endfor %}}";

    private static string Json(string text) => JsonSerializer.Serialize(text);

    private static (Dictionary<string, string[]> Errors, ScheduleDefinition? Definition) Write(string body = "{}", string headers = "{}")
    {
        var request = new ScheduleRequest
        {
            Name = "t",
            Cron = "0 0 6 * * *",
            Target = JsonSerializer.Deserialize<TargetRequest>($$"""{"type": "webhook", "url": "https://example.com", "headers": {{headers}}, "body": {{body}}}""", SchedulerJson.Options),
        };
        var errors = ScheduleValidator.Validate(request, Now, out var definition);
        return (errors.ToDictionary().ToDictionary(e => e.Key, e => e.Value), definition);
    }

    private static WebhookTarget Accepted(string body = "{}", string headers = "{}")
    {
        var (errors, definition) = Write(body, headers);
        Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return (WebhookTarget)definition!.Target;
    }

    private static void Refused(string field, string message, string body = "{}", string headers = "{}")
    {
        var (errors, _) = Write(body, headers);
        Assert.True(errors.ContainsKey(field), $"no error on {field}: {string.Join("; ", errors.Keys)}");
        Assert.Contains(message, string.Join(" ", errors[field]), StringComparison.Ordinal);
    }

    private static WebhookTarget Rendered(WebhookTarget target, TimeProvider? time = null, Func<string, string>? secret = null) =>
        (WebhookTarget)TargetTemplates.Render(target, Trigger, secret ?? (_ => ""), time);

    private static string RenderedBody(WebhookTarget target) => JsonSerializer.Serialize(Rendered(target).Body);

    private static TemplateException RenderFails(WebhookTarget target, TimeProvider? time = null, Func<string, string>? secret = null) =>
        Assert.Throws<TemplateException>(() => TargetTemplates.Render(target, Trigger, secret ?? (_ => ""), time));

    private static string Nested(string open, string close, int depth, string inner = "x") =>
        string.Concat(Enumerable.Repeat(open, depth)) + inner + string.Concat(Enumerable.Repeat(close, depth));

    [Fact]
    public void Blocks_nested_16_deep_render_and_17_deep_are_refused_naming_the_field()
    {
        // 16 nested loops is also Fluid's recursion bound at render: what is accepted renders.
        var target = Accepted($$"""{"x": {{Json(Nested("{% for i in (1..1) %}", "{% endfor %}", 16))}}}""");
        Assert.Equal("""{"x":"x"}""", RenderedBody(target));
        Refused("target.body.x", "nests blocks more than 16 deep", $$"""{"x": {{Json(Nested("{% if true %}", "{% endif %}", 17))}}}""");
        Refused("target.headers.h", "nests blocks more than 16 deep", headers: $$"""{"h": {{Json(Nested("{% unless false %}", "{% endunless %}", 17))}}}""");
    }

    [Fact]
    public void Nesting_far_past_what_overflowed_the_parser_is_refused_before_it_is_parsed()
    {
        // About 2,800 levels overflowed the stack of the process that parsed them; 3,500 fit in a 64 KiB body.
        Refused("target.body.x", "nests blocks more than 16 deep", $$"""{"x": {{Json(Nested("{%if 1%}", "{%endif%}", 3_500))}}}""");
        Refused("target.body.x", "has an expression more than 32 deep", $$"""{"x": {{Json("{{ " + Nested("a[", "]", 20_000, "0") + " }}")}}}""");
        // A stored target (written before these bounds, or straight into the database) fails its render the same way.
        var stored = Accepted() with { Body = JsonDocument.Parse($$"""{"x": {{Json(Nested("{% if true %}", "{% endif %}", 100_000))}}}""").RootElement };
        Assert.Equal("target.body.x: nests blocks more than 16 deep", RenderFails(stored).Message);
        // Closing tags first cannot buy depth for what follows.
        Refused("target.body.x", "nests blocks more than 16 deep",
            $$"""{"x": {{Json(string.Concat(Enumerable.Repeat("{% endif %}", 50)) + Nested("{% if true %}", "{% endif %}", 17))}}}""");
        Refused("target.body.x", "liquid tag", """{"x": "{% liquid if true %}"}""");
    }

    [Theory]
    [InlineData("{{ ", "params.a[", "]", "0", " }}")]
    [InlineData("{{ scheduleName", " | upcase", "", "", " }}")]
    [InlineData("{% if true", " and true", "", "", " %}x{% endif %}")]
    public void Expressions_32_deep_are_accepted_and_33_deep_refused(string start, string open, string close, string inner, string end)
    {
        Accepted($$"""{"x": {{Json(start + Nested(open, close, 32, inner) + end)}}}""");
        Refused("target.body.x", "has an expression more than 32 deep", $$"""{"x": {{Json(start + Nested(open, close, 33, inner) + end)}}}""");
    }

    [Fact]
    public void A_target_holds_2000_tags_in_all_and_the_string_that_passes_them_is_named()
    {
        var thousand = Json(string.Concat(Enumerable.Repeat("{{attempt}}", 1_000)));
        Accepted($$"""{"a": {{thousand}}, "b": {{thousand}}}""");
        Refused("target.body.c", "past 2,000 tags and outputs in all", $$"""{"a": {{thousand}}, "b": {{thousand}}, "c": {{Json("{{ attempt }}")}}}""");
    }

    [Fact]
    public void A_range_of_10000_items_renders_and_10001_fails_the_render_naming_the_field()
    {
        Assert.Equal("""{"x":"10000"}""", RenderedBody(Accepted("""{"x": "{% assign r = (1..10000) %}{{ r | size }}"}""")));
        var e = RenderFails(Accepted("""{"x": "{% for i in (1..100000000) %}x{% endfor %}"}"""));
        Assert.Equal("target.body.x: a range makes a list of 100,000,000 items; at most 10,000", e.Message);
        Assert.Contains("10,001 items", RenderFails(Accepted("""{"x": "{% assign r = (0..10000) %}"}""")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Doubling_a_string_stops_at_256_Ki_characters()
    {
        Assert.Equal("""{"x":"262144"}""", RenderedBody(Accepted($$"""{"x": {{Json(Doubled(18) + "{{ s | size }}")}}}""")));
        var e = RenderFails(Accepted($$"""{"x": {{Json(Doubled(40))}}}"""));
        Assert.Equal("target.body.x: the filter 'append' makes a value of 524,288 characters; at most 262,144", e.Message);
    }

    [Fact]
    public void A_rendered_part_holds_256_Ki_characters_and_a_header_8_Ki()
    {
        Assert.Equal(262_144 + 8, RenderedBody(Accepted($$"""{"x": {{Json(Doubled(18) + "{{ s }}")}}}""")).Length);
        Assert.Equal("target.body.x: renders more than 262,144 characters",
            RenderFails(Accepted($$"""{"x": {{Json(Doubled(18) + "{{ s }}y")}}}""")).Message);

        var header = Accepted(headers: $$"""{"h": {{Json(Doubled(13) + "{{ s }}")}}}""");
        Assert.Equal(8_192, Rendered(header).Headers["h"].Length);
        Assert.Equal("target.headers.h: renders more than 8,192 characters",
            RenderFails(Accepted(headers: $$"""{"h": {{Json(Doubled(13) + "{{ s }}y")}}}""")).Message);
    }

    [Fact]
    public void A_delivery_renders_1_Mi_characters_in_all()
    {
        var part = Json(Doubled(18) + "{{ s }}");
        Assert.Equal(4 * 262_144, Rendered(Accepted($$"""[{{part}}, {{part}}, {{part}}, {{part}}]""")).Body!.Value
            .EnumerateArray().Sum(s => s.GetString()!.Length));
        Assert.Equal("target.body[4]: renders more than 1,048,576 characters into the target in all",
            RenderFails(Accepted($$"""[{{part}}, {{part}}, {{part}}, {{part}}, {{Json("{{ 'y' }}")}}]""")).Message);
    }

    [Fact]
    public void A_delivery_makes_16_MiB_of_values_in_all()
    {
        var budget = new RenderBudget(TimeProvider.System);
        budget.Work(TemplateBounds.MaxWorkBytes);
        Assert.Equal("makes more than 16 MiB of values while rendering", Assert.Throws<TemplateException>(() => budget.Work(1)).Message);

        // 100 values of 256 Ki characters (512 KiB each): within every other bound, past this one.
        var e = RenderFails(Accepted($$"""{"x": {{Json(Doubled(17) + "{% for i in (1..100) %}{% assign t = s | append: s %}{% endfor %}")}}}"""));
        Assert.Equal("target.body.x: makes more than 16 MiB of values while rendering", e.Message);
    }

    [Fact]
    public void Rendering_may_take_1_s_and_no_longer()
    {
        var time = new FakeTimeProvider(Now);
        var target = Accepted(headers: """{"h": "{{ secrets.slow }}{{ secrets.slow }}"}""");
        // Each secret's lookup takes half the second (or a little more): the clock is read as each value is written.
        Assert.Equal("xx", Rendered(target, time, _ => Advance(time, TimeSpan.FromSeconds(0.5))).Headers["h"]);
        var e = Assert.Throws<TemplateException>(() => TargetTemplates.Render(target, Trigger, _ => Advance(time, TimeSpan.FromSeconds(0.6)), time));
        Assert.Equal("target.headers.h: takes longer than 1 s to render", e.Message);
    }

    private static string Advance(FakeTimeProvider time, TimeSpan by)
    {
        time.Advance(by);
        return "x";
    }

    [Fact]
    public void Filters_that_multiply_their_input_are_refused_before_they_run()
    {
        // 512 × 512 = 262,144: the bound exactly; one more x and it is refused without being made.
        var square = Doubled(9) + "{% assign r = s | replace: 'x', s %}{{ r | size }}";
        Assert.Equal("""{"x":"262144"}""", RenderedBody(Accepted($$"""{"x": {{Json(square)}}}""")));
        Assert.Equal("target.body.x: the filter 'replace' makes a value of 263,169 characters; at most 262,144",
            RenderFails(Accepted($$"""{"x": {{Json(Doubled(9) + "{% assign s = s | append: 'x' %}{% assign r = s | replace: 'x', s %}")}}}""")).Message);

        Assert.Contains("the filter 'join' makes a value of", RenderFails(Accepted($$"""{"x": {{Json(Doubled(12) + "{% assign a = (1..100) %}{{ a | join: s }}")}}}""")).Message, StringComparison.Ordinal);
        Assert.Contains("the filter 'date' makes a value of 1,000,000,010 characters", RenderFails(Accepted("""{"x": "{{ scheduledFor | date: '%999999999n' }}"}""")).Message, StringComparison.Ordinal);
        Assert.Contains("the filter 'format_number' makes a value of", RenderFails(Accepted("""{"x": "{{ 1 | format_number: 'D999999999' }}"}""")).Message, StringComparison.Ordinal);
        Assert.Contains("the filter 'split' makes a list of 262,144 items", RenderFails(Accepted($$"""{"x": {{Json(Doubled(18) + "{% assign a = s | split: '' %}")}}}""")).Message, StringComparison.Ordinal);
        // A capture's buffer is bounded as it fills, like a rendered part.
        Assert.Equal("target.body.x: renders more than 262,144 characters",
            RenderFails(Accepted($$"""{"x": {{Json(Doubled(17) + "{% capture c %}{{ s }}{{ s }}{{ s }}{% endcapture %}")}}}""")).Message);
    }

    [Fact]
    public void Captures_ifchanged_and_ranges_render_as_they_did_within_the_bounds()
    {
        Assert.Equal("""{"x":"[ab] 1-2-3 a b"}""", RenderedBody(Accepted($$"""{"x": {{Json(
            "{% capture c %}[{{ 'a' }}{{ 'b' }}]{% endcapture %}{{ c }} {{ (1..3) | join: '-' }}" +
            "{% for i in (1..3) %}{% if i == 3 %}{% assign v = 'b' %}{% else %}{% assign v = 'a' %}{% endif %}{% ifchanged %} {{ v }}{% endifchanged %}{% endfor %}")}}}""")));
    }

    [Theory]
    [InlineData("{{ 1 | divided_by: 0 }}", "divide by zero")]
    [InlineData("{{ 79228162514264337593543950335 | plus: 1 }}", "too large or too small")]
    [InlineData("{% for i in (1..99999999999) %}{% endfor %}", "too large or too small")]
    [InlineData("{{ 1 | format_number: 'Q' }}", "format specifier was invalid")]
    public void Errors_that_no_retry_can_mend_fail_the_render(string template, string message)
    {
        var e = RenderFails(Accepted($$"""{"x": {{Json(template)}}}"""));
        Assert.StartsWith("target.body.x: could not be rendered: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Only_deliveries_fill_the_parsed_template_cache_and_it_stays_within_32_MiB()
    {
        var refused = $"{{{{ attempt }}}}{Guid.NewGuid()}{{% if %}}";
        var accepted = $"{{{{ attempt }}}}{Guid.NewGuid()}";
        Write($$"""{"x": {{Json(refused)}}}""");
        var target = Accepted($$"""{"x": {{Json(accepted)}}}""");
        Assert.False(TargetTemplates.IsCached(refused));
        Assert.False(TargetTemplates.IsCached(accepted));

        Rendered(target);
        Assert.True(TargetTemplates.IsCached(accepted));

        // 40 templates of 60,000 characters, at 32 bytes a character: 73 MiB if nothing were let go.
        for (var i = 0; i < 40; i++)
        {
            Rendered(target with { Body = JsonDocument.Parse($$"""{"x": {{Json($"{{{{ attempt }}}}{i}{Guid.NewGuid()}" + new string('x', 60_000))}}}""").RootElement });
            Assert.InRange(TargetTemplates.CachedBytes, 0, TargetTemplates.MaxCachedBytes);
        }
        Assert.False(TargetTemplates.IsCached(accepted));
    }
}
