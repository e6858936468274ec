using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Cli.Output;
using Scheduler.Cli.Resources;
using Scheduler.Common;
using Scheduler.Common.Calendars;
using Scheduler.Common.Outages;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;
using Scheduler.Common.Workflows;

namespace Scheduler.Cli.Manifests;

/// <summary>
/// The API's own validators (Scheduler.Common), run on each document an apply will write before it writes anything, so
/// that a bad field in the tenth document stops the apply with nothing written. The server checks again when it is written.
/// </summary>
public static class LocalValidation
{
    /// <summary>The errors of <paramref name="document"/> as the API would report them, by field (<c>cron</c>, <c>steps[1].id</c>).</summary>
    /// <param name="calendars">The calendars a schedule may name: those in the files, else those on the server.</param>
    public static IDictionary<string, string[]> Check(ManifestDocument document, Func<string, BusinessCalendar?> calendars, DateTimeOffset now)
    {
        var spec = WithName(document);
        try
        {
            ValidationErrors errors;
            switch (document.Kind.Name)
            {
                case "schedule":
                    var schedule = spec.Deserialize<ScheduleRequest>(SchedulerJson.Options)!;
                    var calendar = schedule.Calendar is { } name && calendars(name.Trim()) is { } found ? new CalendarReference(Guid.Empty, found) : null;
                    errors = ScheduleValidator.Validate(schedule, now, out _, calendar);
                    var result = errors.ToDictionary();
                    if (schedule.Calendar is { } missing && calendar is null && result.ContainsKey("calendar"))
                    {
                        result["calendar"] = [$"there is no calendar named '{missing}' in these files or on the server"];
                    }
                    return result;
                case "calendar":
                    return CalendarValidator.Validate(spec.Deserialize<CalendarRequest>(SchedulerJson.Options)!, out _).ToDictionary();
                case "workflow":
                    return WorkflowValidator.Validate(spec.Deserialize<WorkflowRequest>(SchedulerJson.Options)!, out _).ToDictionary();
                case "outage":
                    return OutageValidator.Validate(spec.Deserialize<OutageRequest>(SchedulerJson.Options)!, now, out _).ToDictionary();
                default:
                    return new Dictionary<string, string[]>();
            }
        }
        catch (JsonException e)
        {
            return new Dictionary<string, string[]> { [Field(e.Path)] = [e.Message.Split(" Path:", 2)[0]] };
        }
    }

    /// <summary>A calendar document as the business calendar the server would store (public holidays computed), or null when invalid.</summary>
    public static BusinessCalendar? CalendarOf(JsonObject spec, string name)
    {
        try
        {
            var copy = spec.DeepClone().AsObject();
            copy["name"] = name;
            var request = copy.Deserialize<CalendarRequest>(SchedulerJson.Options)!;
            return CalendarValidator.Validate(request, out var definition).IsValid ? definition!.ToCalendar() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The holidays a calendar document declares, with its country's public holidays computed, as the server lists them.</summary>
    public static JsonArray? HolidaysOf(JsonObject spec, string name) =>
        CalendarOf(spec, name) is { } calendar
            ? new JsonArray([.. calendar.Holidays.Select(h => (JsonNode)new JsonObject
            {
                ["date"] = h.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                ["name"] = h.Name,
            })])
            : null;

    public static JsonObject WithName(ManifestDocument document)
    {
        var spec = new JsonObject { ["name"] = document.Name };
        foreach (var (key, value) in document.Spec)
        {
            spec[key] = value?.DeepClone();
        }
        return spec;
    }

    // "$.steps[1].target" → "steps[1].target"
    private static string Field(string? path) => path is null ? "" : path.TrimStart('$').TrimStart('.');

    /// <summary>The calendar the server has, from its API object.</summary>
    public static BusinessCalendar? CalendarFromServer(JsonObject current)
    {
        var request = new CalendarRequest
        {
            Name = Terminal.Text(current["name"]),
            WeekendDays = current["weekendDays"]?.AsArray().Select(d => Terminal.Text(d)!).ToArray(),
            Holidays = current["holidays"]?.AsArray().Select(h => new HolidayRequest { Date = Terminal.Text(h?["date"]), Name = Terminal.Text(h?["name"]) }).ToArray(),
        };
        return CalendarValidator.Validate(request, out var definition).IsValid ? definition!.ToCalendar() : null;
    }
}
