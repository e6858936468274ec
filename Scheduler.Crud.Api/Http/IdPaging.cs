using Scheduler.Common.Validation;
using Scheduler.Crud.Api.Schedules;

namespace Scheduler.Crud.Api.Http;

/// <summary>
/// The <c>limit</c> and <c>cursor</c> of lists keyed by time-ordered ids (executions, calendars, outages): the cursor is
/// the last id of the page before, and a full page says there may be more.
/// </summary>
internal static class IdPaging
{
    /// <summary>The page size (default 50) and the id to continue after; bad values are added to <paramref name="errors"/>.</summary>
    public static (int Size, Guid? After) Parse(int? limit, string? cursor, ValidationErrors errors)
    {
        var size = limit ?? 50;
        if (size is < 1 or > SchedulesApi.MaxPageSize)
        {
            errors.Add("limit", $"must be between 1 and {SchedulesApi.MaxPageSize}, got {size}");
        }
        Guid? after = null;
        if (cursor is not null)
        {
            if (Guid.TryParseExact(cursor, "N", out var parsed))
            {
                after = parsed;
            }
            else
            {
                errors.Add("cursor", "is not a cursor this API returned");
            }
        }
        return (size, after);
    }

    /// <summary>The cursor for the page after this one, or null when it was the last.</summary>
    public static string? Next<T>(IReadOnlyList<T> page, int size, Func<T, Guid> id) => page.Count == size ? id(page[^1]).ToString("N") : null;
}
