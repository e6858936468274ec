using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Calendars;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Http;
using Scheduler.Crud.Api.Schedules;
using Scheduler.Storage.Calendars;

namespace Scheduler.Crud.Api.Calendars;

/// <summary>Business-day calendars: weekends and holidays that schedules follow. An edit moves every schedule on it at once.</summary>
public static class CalendarsApi
{
    public static IEndpointRouteBuilder MapCalendarsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/calendars").WithTags("Calendars").RequireAuthorization(Scopes.Read);
        group.MapPost("/", Create).WithName("CreateCalendar").RequireAuthorization(Scopes.Write).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Create a calendar")
            .WithDescription("Weekend days (default Saturday and Sunday) and dated holidays; `publicHolidays` adds a country's public holidays for a span of years (computed now, stored as dated holidays).");
        group.MapGet("/", List).WithName("ListCalendars").WithSummary("List calendars, a page at a time")
            .WithDescription("`name` (contains), `limit` (1–500), `cursor` (the `nextCursor` of the page before).");
        group.MapGet("/{id:guid}", Get).WithName("GetCalendar").WithSummary("Get a calendar").WithDescription("The `ETag` header is its version.");
        group.MapPut("/{id:guid}", Replace).WithName("ReplaceCalendar").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Replace a calendar")
            .WithDescription("Takes effect at once: every active schedule on it moves to its next occurrence under the new calendar, in the same transaction, and occurrences already claimed that it removes are recalled (skipped). Refused (409, naming them) when it would leave an active schedule with no occurrence.");
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteCalendar").RequireAuthorization(Scopes.Write)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Delete a calendar").WithDescription("Refused (409, naming them) while live schedules follow it.");
        group.MapPost("/{id:guid}/import", Import).WithName("ImportCalendarHolidays").RequireAuthorization(Scopes.Write)
            .Accepts<string>("text/calendar").ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Add holidays from an iCalendar (.ics) file")
            .WithDescription("The body is the .ics file (`Content-Type: text/calendar`): each event's days become holidays named by its summary (recurring events expanded from `fromYear` to `toYear`, default this year and the next five). Dates already in the calendar keep their names.");
        return app;
    }

    /// <summary>The calendar a schedule request names, in the caller's tenant (null when it names none or an unknown one).</summary>
    internal static async Task<CalendarReference?> FindAsync(CalendarStore calendars, string tenant, string? name, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(name) || name.Length > CalendarValidator.MaxNameLength || name.Any(char.IsControl)
            ? null
            : await calendars.GetByNameAsync(tenant, name.Trim(), cancellationToken) is { } record ? new CalendarReference(record.Id, record.ToCalendar()) : null;

    private static async Task<Results<Created<CalendarResponse>, ValidationProblem, ProblemHttpResult>> Create(CalendarRequest request, ClaimsPrincipal user,
        CalendarStore calendars, TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = CalendarValidator.Validate(request, out var definition);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The calendar is invalid.");
        }
        if (await calendars.InsertAsync(user.Tenant(), definition!, time.GetUtcNow(), cancellationToken) is not { } created)
        {
            return Problems.NameTaken(definition!.Name, "calendar");
        }
        response.Headers.ETag = Versions.ETag(created.Version);
        return TypedResults.Created($"/api/v1/calendars/{created.Id}", CalendarResponse.From(created));
    }

    private static async Task<Results<Ok<CalendarPage>, ValidationProblem>> List(ClaimsPrincipal user, CalendarStore calendars,
        CancellationToken cancellationToken, int? limit = null, string? cursor = null, string? name = null)
    {
        var errors = new ValidationErrors();
        var (size, after) = IdPaging.Parse(limit, cursor, errors);
        if (name is { Length: > CalendarValidator.MaxNameLength })
        {
            errors.Add("name", $"is longer than {CalendarValidator.MaxNameLength} characters");
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors);
        }
        var page = await calendars.ListAsync(user.Tenant(), size, after, name, cancellationToken);
        return TypedResults.Ok(new CalendarPage(page.Select(CalendarResponse.From).ToList(), IdPaging.Next(page, size, e => e.Id)));
    }

    private static async Task<Results<Ok<CalendarResponse>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, CalendarStore calendars,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if (await calendars.GetAsync(user.Tenant(), id, cancellationToken) is not { } record)
        {
            return Problems.NotFound("calendar");
        }
        response.Headers.ETag = Versions.ETag(record.Version);
        return TypedResults.Ok(CalendarResponse.From(record));
    }

    private static async Task<Results<Ok<CalendarResponse>, ValidationProblem, ProblemHttpResult>> Replace(Guid id, CalendarRequest request,
        ClaimsPrincipal user, CalendarStore calendars, TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
        var errors = CalendarValidator.Validate(request, out var definition);
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The calendar is invalid.");
        }
        return Changed(await calendars.ReplaceAsync(user.Tenant(), id, Versions.Expected(http), _ => definition!, time.GetUtcNow(), cancellationToken),
            http.HttpContext.Response, definition!.Name);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, ClaimsPrincipal user, CalendarStore calendars, HttpRequest http,
        CancellationToken cancellationToken)
    {
        var change = await calendars.DeleteAsync(user.Tenant(), id, Versions.Expected(http), cancellationToken);
        return change.Status switch
        {
            CalendarChangeStatus.Done => TypedResults.NoContent(),
            CalendarChangeStatus.VersionMismatch => Problems.VersionMismatch(change.Calendar!.Version, "calendar"),
            CalendarChangeStatus.InUse => Problems.Conflict("The calendar is in use.",
                $"Schedules follow it: {string.Join(", ", change.UsedBy!.Select(n => $"'{n}'"))}. Move them to another calendar or delete them first."),
            _ => Problems.NotFound("calendar"),
        };
    }

    private static async Task<Results<Ok<CalendarImportResult>, ValidationProblem, ProblemHttpResult>> Import(Guid id, ClaimsPrincipal user,
        CalendarStore calendars, TimeProvider time, HttpRequest http, CancellationToken cancellationToken, int? fromYear = null, int? toYear = null)
    {
        var now = time.GetUtcNow();
        var errors = new ValidationErrors();
        var from = fromYear ?? now.Year;
        var to = toYear ?? from + 5;
        if (from is < CalendarValidator.FirstYear or > CalendarValidator.LastYear || to is < CalendarValidator.FirstYear or > CalendarValidator.LastYear ||
            to < from || to - from + 1 > CalendarValidator.MaxSeedYears)
        {
            errors.Add("toYear", $"years {from}–{to} must lie within {CalendarValidator.FirstYear}–{CalendarValidator.LastYear}, in order, at most {CalendarValidator.MaxSeedYears}");
        }
        if (!errors.IsValid)
        {
            return Problems.Invalid(errors, "The import is invalid.");
        }
        // The target first: a file for a calendar the caller cannot change is not worth reading.
        if (await calendars.GetAsync(user.Tenant(), id, cancellationToken) is not { } target)
        {
            return Problems.NotFound("calendar");
        }
        if (Versions.Expected(http) is { } expected && expected != target.Version)
        {
            return Problems.VersionMismatch(target.Version, "calendar");
        }
        var text = await ReadAsync(http, cancellationToken);
        if (text is null)
        {
            return Problems.Invalid("body", $"is larger than {IcsImport.MaxBytes / 1024} KiB");
        }
        var (holidays, error) = IcsImport.Parse(text, new DateOnly(from, 1, 1), new DateOnly(to, 12, 31), time);
        if (error is not null)
        {
            return Problems.Invalid("body", error);
        }
        var (change, added) = await ImportAsync(calendars, user.Tenant(), id, Versions.Expected(http), holidays, now, cancellationToken);
        if (change is null)
        {
            return Problems.Invalid("body", $"would take the calendar past {CalendarValidator.MaxHolidays} holidays");
        }
        return Changed(change, http.HttpContext.Response, null) switch
        {
            { Result: Ok<CalendarResponse> ok } => TypedResults.Ok(new CalendarImportResult(ok.Value!, added, holidays.Count - added)),
            { Result: ProblemHttpResult problem } => problem,
            { Result: ValidationProblem invalid } => invalid,
            _ => throw new InvalidOperationException("unexpected result"),
        };
    }

    /// <summary>
    /// Adds <paramref name="holidays"/> to the calendar (dates it has keep their names) and moves its schedules, in one
    /// transaction; null when the result would exceed <see cref="CalendarValidator.MaxHolidays"/> (nothing changed then).
    /// </summary>
    internal static async Task<(CalendarChange? Change, int Added)> ImportAsync(CalendarStore calendars, string tenant, Guid id, int? expectedVersion,
        IReadOnlyList<Holiday> holidays, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var added = 0;
        try
        {
            var change = await calendars.ReplaceAsync(tenant, id, expectedVersion, current =>
            {
                var existing = current.HolidayList;
                var known = existing.Select(h => h.Date).ToHashSet();
                var fresh = holidays.Where(h => !known.Contains(h.Date)).ToList();
                added = fresh.Count;
                // Thrown inside the store's transaction, which then commits nothing.
                return existing.Count + fresh.Count > CalendarValidator.MaxHolidays
                    ? throw new TooManyHolidaysException()
                    : current.ToDefinition() with { Holidays = existing.Concat(fresh).OrderBy(h => h.Date).ToList() };
            }, now, cancellationToken);
            return (change, added);
        }
        catch (TooManyHolidaysException)
        {
            return (null, 0);
        }
    }

    /// <summary>The refusal of an edit that would leave active schedules with no occurrence (they would complete, for good).</summary>
    internal static ProblemHttpResult WouldEnd(IReadOnlyList<string> schedules) => Problems.Conflict("The edit would end schedules on the calendar.",
        $"Under it these active schedules would have no occurrence left and would complete: {string.Join(", ", schedules.Select(n => $"'{n}'"))}. " +
        "Keep business days they can fire on, or move them to another calendar first.");

    /// <summary>The body as text, or null when it is larger than <see cref="IcsImport.MaxBytes"/> (read no further than one byte past it).</summary>
    private static async Task<string?> ReadAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        var buffer = new byte[IcsImport.MaxBytes + 1];
        var read = 0;
        while (read < buffer.Length && await http.Body.ReadAsync(buffer.AsMemory(read), cancellationToken) is var n && n > 0)
        {
            read += n;
        }
        return read > IcsImport.MaxBytes ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    private static Results<Ok<CalendarResponse>, ValidationProblem, ProblemHttpResult> Changed(CalendarChange change, HttpResponse response, string? name)
    {
        switch (change.Status)
        {
            case CalendarChangeStatus.Done:
                response.Headers.ETag = Versions.ETag(change.Calendar!.Version);
                return TypedResults.Ok(CalendarResponse.From(change.Calendar));
            case CalendarChangeStatus.VersionMismatch:
                return Problems.VersionMismatch(change.Calendar!.Version, "calendar");
            case CalendarChangeStatus.NameTaken:
                return Problems.NameTaken(name ?? "", "calendar");
            case CalendarChangeStatus.WouldEndSchedules:
                return WouldEnd(change.UsedBy!);
            default:
                return Problems.NotFound("calendar");
        }
    }
}

/// <summary>An import would take a calendar past <see cref="CalendarValidator.MaxHolidays"/>.</summary>
internal sealed class TooManyHolidaysException() : Exception("too many holidays");
