using Microsoft.AspNetCore.Mvc.RazorPages;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Statistics;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Statistics;

namespace Scheduler.Crud.Api.Pages;

/// <summary>Executors alive, deliveries per minute, failures and dead letters: the statistics API's numbers.</summary>
public sealed class IndexModel(StatisticsStore statistics, HistoryStore history, TimeProvider time) : PageModel
{
    public IReadOnlyList<ExecutorResponse> Executors { get; private set; } = [];
    public int Alive => Executors.Count(e => e.Alive);
    public Storage.Statistics.Statistics Stats { get; private set; } = null!;
    public double TriggersPerMinute => Stats.Totals.Attempts / 60.0;
    public string DeadLetters { get; private set; } = "0";

    public async Task OnGetAsync()
    {
        var now = time.GetUtcNow();
        var tenant = User.Tenant();
        Stats = await statistics.ComputeAsync(tenant, now.AddHours(-1), HttpContext.RequestAborted);
        Executors = StatsApi.Describe(await statistics.ExecutorsAsync(tenant, HttpContext.RequestAborted), now);
        var dead = await history.ListAsync(tenant, null, "dead", null, 100, HttpContext.RequestAborted);
        DeadLetters = dead.Count == 100 ? "100+" : dead.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
