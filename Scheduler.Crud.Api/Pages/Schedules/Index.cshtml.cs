using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Common.Schedules;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Schedules;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Schedules;

namespace Scheduler.Crud.Api.Pages.Schedules;

/// <summary>The schedule list: the same keyset-paginated query as the API, 50 at a time, with each one's last outcome.</summary>
public sealed class SchedulesModel(ScheduleStore schedules, HistoryStore history) : PageModel
{
    private const int PageSize = 50;

    public sealed record Row(ScheduleRecord Schedule, string Description, ExecutionRecord? Last);

    [BindProperty(SupportsGet = true)] public string? Name { get; set; }
    [BindProperty(SupportsGet = true)] public string? Label { get; set; }
    [BindProperty(SupportsGet = true)] public string? State { get; set; }
    [BindProperty(SupportsGet = true)] public string? TargetType { get; set; }
    [BindProperty(SupportsGet = true)] public string? Sort { get; set; }
    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync()
    {
        // Newest first unless asked otherwise: what was just made is what one looks for.
        var order = Sort switch { "nextFire" => ScheduleSort.NextFire, "created" => ScheduleSort.Created, _ => ScheduleSort.Newest };
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(Label))
        {
            if (Label.Split('=', 2) is [{ Length: > 0 } key, var value])
            {
                labels[key.Trim()] = value.Trim();
            }
            else
            {
                Error = $"label: '{Label}' is not key=value";
                return;
            }
        }
        if (!ScheduleCursor.TryDecode(Cursor, order, out var after))
        {
            Error = "This page link is out of date; start from the first page.";
            return;
        }
        var page = await schedules.ListAsync(new ScheduleQuery
        {
            Tenant = User.Tenant(),
            Limit = PageSize,
            NameContains = string.IsNullOrWhiteSpace(Name) ? null : Name.Trim()[..Math.Min(Name.Trim().Length, ScheduleValidator.MaxNameLength)],
            Labels = labels,
            State = SchedulesApi.States.Contains(State) ? State : null,
            TargetType = SchedulesApi.TargetTypes.Contains(TargetType) ? TargetType : null,
            Sort = order,
            After = after,
        }, HttpContext.RequestAborted);
        var latest = await history.LatestAsync(User.Tenant(), page.Select(s => s.Id).ToList(), HttpContext.RequestAborted);
        Rows = page.Select(s => new Row(s, ScheduleDescriber.Describe(s.Timing), latest.GetValueOrDefault(s.Id))).ToList();
        NextCursor = page.Count == PageSize ? ScheduleCursor.For(order, page[^1]).Encode() : null;
    }

    public string PageUrl(string? cursor) => QueryString.Create(new Dictionary<string, string?>
    {
        ["name"] = Name, ["label"] = Label, ["state"] = State, ["targetType"] = TargetType, ["sort"] = Sort, ["cursor"] = cursor,
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToUriComponent() is var query && query.Length > 0 ? "/schedules" + query : "/schedules";
}
