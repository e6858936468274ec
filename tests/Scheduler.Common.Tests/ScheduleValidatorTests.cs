using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Common.Schedules;
using Scheduler.Common.Targets;

namespace Scheduler.Common.Tests;

public class ScheduleValidatorTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static ScheduleRequest Valid => new()
    {
        Name = "nightly-report",
        Cron = "0 0 17 * * MON-FRI",
        TimeZone = "Europe/London",
        Target = new TargetRequest
        {
            Type = "webhook",
            Url = "http://localhost:5003/echo",
            Method = "POST",
            Headers = new() { ["X-Team"] = "data" },
            Body = JsonDocument.Parse("""{"report":"daily"}""").RootElement,
            Timeout = "PT3S",
        },
        MaxAttempts = 5,
    };

    private static IDictionary<string, string[]> Errors(ScheduleRequest request) =>
        ScheduleValidator.Validate(request, Now, out _).ToDictionary();

    [Fact]
    public void The_documented_example_is_valid()
    {
        var errors = ScheduleValidator.Validate(Valid, Now, out var definition);
        Assert.True(errors.IsValid, errors.ToString());
        var webhook = Assert.IsType<WebhookTarget>(definition!.Target);
        Assert.Equal(TimeSpan.FromSeconds(3), webhook.Timeout);
        Assert.Equal("Europe/London", definition.Timing.TimeZone);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 17, 0, 0, TimeSpan.Zero), definition.Occurrences.FirstFireAt(Now));
    }

    [Fact]
    public void Cron_with_seven_fields_says_how_many_it_got() =>
        Assert.Equal(["expected 5 or 6 fields, got 7"], Errors(Valid with { Cron = "0 0 17 * * MON-FRI 2030" })["cron"]);

    [Fact]
    public void Unknown_time_zone_is_named() =>
        Assert.Equal(["unknown time zone 'Europe/Londn'; use an IANA name such as 'Europe/London' or 'UTC'"],
            Errors(Valid with { TimeZone = "Europe/Londn" })["timeZone"]);

    [Fact]
    public void Exactly_one_of_cron_runAt_delay()
    {
        Assert.Contains("exactly one of", Errors(Valid with { Delay = "5s" })["cron"][0], StringComparison.Ordinal);
        Assert.Contains("is required", Errors(Valid with { Cron = null, TimeZone = null })["cron"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void RunAt_in_the_past_says_so_in_utc()
    {
        var message = Errors(Valid with { Cron = null, TimeZone = null, RunAt = "2029-12-31T13:00:00+01:00" })["runAt"][0];
        Assert.Equal("2029-12-31T12:00:00Z is in the past (now is 2030-01-01T12:00:00Z)", message);
    }

    [Fact]
    public void RunAt_needs_an_offset() =>
        Assert.Contains("with an offset", Errors(Valid with { Cron = null, TimeZone = null, RunAt = "2030-06-01T10:00:00" })["runAt"][0], StringComparison.Ordinal);

    [Fact]
    public void Every_bad_field_is_reported_at_once()
    {
        var errors = Errors(new ScheduleRequest
        {
            Name = "",
            Cron = "61 * * * *",
            Target = new TargetRequest { Type = "webhook", Url = "ftp://x", Method = "BREW", Timeout = "1h", Headers = new() { ["Bad Header"] = "x", ["webhook-id"] = "forged", ["X-Ok"] = "a\r\nInjected: yes" } },
            MaxAttempts = 0,
        });
        Assert.Equal(["name", "cron", "target.timeout", "target.headers.Bad Header", "target.headers.webhook-id", "target.headers.X-Ok", "target.url", "target.method", "maxAttempts"], errors.Keys);
    }

    [Fact]
    public void Cron_that_never_fires_is_rejected() =>
        Assert.Contains("never fires", Errors(Valid with { Cron = "0 0 30 2 *", TimeZone = null })["cron"][0], StringComparison.Ordinal);

    [Fact]
    public void Delay_must_be_positive() =>
        Assert.Contains("'-5s'", Errors(Valid with { Cron = null, TimeZone = null, Delay = "-5s" })["delay"][0], StringComparison.Ordinal);
}

/// <summary>The target kinds share one shape: every request field belongs to a kind, and a field set for another kind is refused by name.</summary>
public class TargetKindTests
{
    private static readonly string[] RequestFields = typeof(TargetRequest).GetProperties()
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Where(n => n != "type").ToArray();

    public static TheoryData<string> Kinds() => new(TargetKinds.All.Select(k => k.Name));

    [Fact]
    public void Every_request_field_is_read_by_some_kind() =>
        Assert.Empty(RequestFields.Except(TargetKinds.All.SelectMany(k => k.Fields)));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_field_of_another_kind_is_refused_by_name_and_its_own_fields_are_not(string kind)
    {
        var own = TargetKinds.Find(kind)!.Fields;
        foreach (var field in RequestFields)
        {
            JsonNode value = field is "headers" or "body" or "value" ? new JsonObject { ["a"] = "b" } : JsonValue.Create("x")!;
            var request = new JsonObject { ["type"] = kind, [field] = value }.Deserialize<TargetRequest>(SchedulerJson.Options)!;
            var errors = new Validation.ValidationErrors();
            TargetValidator.Validate(request, errors);
            var refused = errors.ToDictionary().TryGetValue($"target.{field}", out var messages) && messages.Any(m => m.StartsWith("does not apply", StringComparison.Ordinal));
            Assert.True(refused != own.Contains(field), $"{kind}.{field}: {errors}");
        }
    }

    [Theory]
    [InlineData("jobs.cache.warm", null)]
    [InlineData("a", null)]
    [InlineData("jobs..warm", "empty token")]
    [InlineData("jobs.*.warm", "wildcards")]
    [InlineData("jobs.>", "wildcards")]
    [InlineData("$JS.API.INFO", "belong to the server")]
    [InlineData("_INBOX.abc", "belong to the server")]
    [InlineData("jobs warm", "printable ASCII")]
    public void Nats_subjects_are_tokens_without_wildcards_or_server_prefixes(string subject, string? problem)
    {
        var found = NatsTarget.SubjectProblem(subject);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }
}
