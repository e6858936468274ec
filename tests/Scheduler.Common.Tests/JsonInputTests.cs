using System.Text;
using System.Text.Json;
using Scheduler.Common;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Tests;

/// <summary>What any JSON a client sends may hold (<see cref="JsonInput"/>), at and just past each bound.</summary>
public class JsonInputTests
{
    private static string Nested(int levels) => new string('[', levels) + new string(']', levels);

    private static IDictionary<string, string[]> Errors(string json) => JsonInput.Check(Encoding.UTF8.GetBytes(json)).ToDictionary();

    [Fact]
    public void A_body_nested_32_levels_passes_and_33_is_refused_where_it_passes_the_bound()
    {
        Assert.Empty(Errors(Nested(JsonInput.MaxDepth)));
        Assert.Empty(Errors("{\"a\":" + Nested(JsonInput.MaxDepth - 1) + "}"));

        var refused = Errors("{\"a\":" + Nested(JsonInput.MaxDepth) + "}");
        var (field, messages) = Assert.Single(refused);
        // The 33rd level is the 32nd array inside "a": a[0] … 31 times.
        Assert.Equal("a" + string.Concat(Enumerable.Repeat("[0]", JsonInput.MaxDepth - 1)), field);
        Assert.Contains("deeper than 32", messages[0], StringComparison.Ordinal);
        // Far deeper than the reader's own limit is still ours to name.
        Assert.Single(Errors("{\"a\":" + Nested(5_000) + "}"));
    }

    [Fact]
    public void Arrays_are_named_by_index_and_objects_by_key()
    {
        var (field, _) = Assert.Single(Errors("""{"items":[{"name":"ok"},{"name":"ok","target":{"headers":{"X":"a\u0000b"}}}]}"""));
        Assert.Equal("items[1].target.headers.X", field);
        Assert.Equal("[2]", Assert.Single(Errors("""[1, "x", "\u0000"]""")).Key);
    }

    [Theory]
    [InlineData("""{"a":"x\u0000y"}""", "a", "NUL")]
    [InlineData("""{"a":{"k\u0000":1}}""", "a.k\uFFFD", "NUL")]
    [InlineData("""{"a":"\ud800"}""", "a", "surrogate")]
    [InlineData("""{"a":["ok","\udfffx"]}""", "a[1]", "surrogate")]
    [InlineData("""{"\ud83d":1}""", "\uFFFD", "surrogate")]
    [InlineData("""{"a":1e309}""", "a", "double")]
    [InlineData("""{"a":-1.8e308}""", "a", "double")]
    public void Strings_PostgreSQL_cannot_store_and_numbers_past_a_double_are_refused_naming_the_field(string json, string field, string why)
    {
        var (named, messages) = Assert.Single(Errors(json));
        Assert.Equal(field, named);
        Assert.Contains(why, messages[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_UTF_8_is_refused_naming_the_field()
    {
        // ED A0 80: a surrogate encoded as UTF-8, which no encoder may produce.
        byte[] body = [.. "{\"a\":\"x"u8, 0xED, 0xA0, 0x80, .. "\"}"u8];
        Assert.Equal("a", Assert.Single(JsonInput.Check(body).ToDictionary()).Key);
    }

    [Fact]
    public void Numbers_at_the_bounds_pass_and_just_past_them_are_refused()
    {
        Assert.Empty(Errors("""{"a":1.7976931348623157e308,"b":-1.7976931348623157e308,"c":4.9e-324,"d":1e-400}"""));
        var longest = "1" + new string('0', JsonInput.MaxNumberLength - 1);
        Assert.Empty(Errors($$"""{"a":{{longest}}}"""));
        Assert.Contains("more than 100 characters", Assert.Single(Errors($$"""{"a":{{longest}}0}""")).Value[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_and_malformed_JSON_pass_the_check_for_the_reader_to_judge()
    {
        Assert.Empty(Errors("""{"name":"日本 é \ud83d\ude00","n":[1,2.5,-3e10,true,null],"o":{}}"""));
        Assert.Empty(Errors("""{"name": """));
        Assert.Empty(Errors(""));
    }

    [Fact]
    public void A_form_field_of_JSON_is_checked_as_a_body_under_its_name()
    {
        var errors = new ValidationErrors();
        Assert.Null(JsonInput.ParseField("{\"a\":" + Nested(JsonInput.MaxDepth) + "}", "target.body", errors));
        Assert.StartsWith("target.body.a[0]", Assert.Single(errors.ToDictionary()).Key, StringComparison.Ordinal);

        errors = new ValidationErrors();
        Assert.Null(JsonInput.ParseField("{\"a\":", "parameters", errors));
        Assert.Contains("is not JSON", Assert.Single(errors.ToDictionary()["parameters"]), StringComparison.Ordinal);

        errors = new ValidationErrors();
        Assert.Equal(2, JsonInput.ParseField("""{"a":[1,2]}""", "parameters", errors)!.Value.GetProperty("a").GetArrayLength());
        Assert.True(errors.IsValid);
        Assert.Null(JsonInput.ParseField("  ", "parameters", errors));
    }

    [Fact]
    public void Stored_JSON_deeper_than_the_input_bound_reads_back_and_writes_out()
    {
        // Rows stored before the bound could nest 64 levels; answers wrap them a few levels deeper still.
        var stored = SchedulerJson.ParseStored(Nested(64));
        var answer = JsonSerializer.Serialize(new { items = new[] { new { after = new { target = new { body = stored } } } } }, SchedulerJson.Options);
        Assert.Equal(64 + 5, answer.Count(c => c == '[') + answer.Count(c => c == '{'));
        Assert.ThrowsAny<JsonException>(() => SchedulerJson.ParseStored(Nested(SchedulerJson.MaxDepth + 1)));
    }

    [Fact]
    public void Integers_sent_as_strings_are_refused()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>("""{"n":"3"}""", SchedulerJson.Options));
        Assert.Equal(3, JsonSerializer.Deserialize<Holder>("""{"n":3}""", SchedulerJson.Options)!.N);
    }

    private sealed record Holder(int N);
}
