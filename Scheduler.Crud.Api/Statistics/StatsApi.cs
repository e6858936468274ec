using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Crud.Api.Access;
using Scheduler.Crud.Api.Http;
using Scheduler.Storage.Statistics;

namespace Scheduler.Crud.Api.Statistics;

/// <summary>An executor and whether it is still reporting.</summary>
/// <param name="Attempts">Delivery attempts it made for the caller's tenant since it started (other tenants' are not shown).</param>
/// <param name="Failures">Those of the caller's tenant's attempts that did not succeed.</param>
/// <param name="Connections">The broker connections it has configured, name → type (<c>{"orders": "rabbitmq"}</c>).</param>
public sealed record ExecutorResponse(string Id, string Host, string Version, DateTimeOffset StartedAt, DateTimeOffset LastSeenAt,
    long Attempts, long Failures, bool Alive, IReadOnlyDictionary<string, string> Connections);

/// <summary>What happened in a window: totals, and the schedules, target hosts and executors with the most trouble first.</summary>
/// <param name="Runs">Result tracking: finished runs per schedule, how they ended and how long successful ones took.</param>
/// <param name="RunsInProgress">Runs going now; <c>slow</c> ones have run past twice their schedule's usual (p95) duration.</param>
public sealed record StatsResponse(string Window, DateTimeOffset Since, TotalsRow Totals, IReadOnlyList<ScheduleStats> Schedules,
    IReadOnlyList<TargetStats> Targets, IReadOnlyList<ExecutorStatsRow> Executors, IReadOnlyList<RunStatsRow> Runs, IReadOnlyList<RunInProgress> RunsInProgress);

/// <param name="RunningMs">Since delivery.</param>
/// <param name="UsualP95Ms">The schedule's p95 successful run duration in the window (null with fewer than 5 runs).</param>
/// <param name="Slow">Running longer than twice the usual p95.</param>
public sealed record RunInProgress(Guid ExecutionId, Guid? ScheduleId, string ScheduleName, string Status, DateTimeOffset? DeliveredAt, DateTimeOffset? Deadline,
    double RunningMs, double? UsualP95Ms, bool Slow);

/// <param name="SuccessRate">Succeeded attempts / attempts.</param>
public sealed record ScheduleStats(Guid? ScheduleId, string ScheduleName, long Attempts, long Failures, double SuccessRate, double? P95DurationMs, double? P95LatenessMs);

/// <param name="Host">host:port of a webhook URL, kafka/topic, rabbitmq/connection/exchange or nats/connection/subject.</param>
public sealed record TargetStats(string? Host, long Attempts, long Failed, long TimedOut, double FailureRate, double TimeoutRate, double? P95DurationMs);

public static class StatsApi
{
    private static readonly Dictionary<string, TimeSpan> Windows = new(StringComparer.Ordinal)
    {
        ["1h"] = TimeSpan.FromHours(1),
        ["24h"] = TimeSpan.FromHours(24),
        ["7d"] = TimeSpan.FromDays(7),
    };

    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/stats", Stats).WithTags("Statistics").RequireAuthorization(Scopes.Read).WithName("Statistics")
            .WithSummary("What failed, what fired late, which target hosts are unreliable, what each executor did, which runs take too long")
            .WithDescription("`window` is `1h`, `24h` (default) or `7d`. Schedules, targets and executors are ordered by failures, at most 100 each.");
        app.MapGet("/api/v1/executors", Executors).WithTags("Statistics").RequireAuthorization(Scopes.Read).WithName("ListExecutors")
            .WithSummary("Executors and their last heartbeat; one silent for 30 s is shown as not alive")
            .WithDescription("`attempts` and `failures` count the caller's tenant's deliveries only.");
        return app;
    }

    private static async Task<Results<Ok<StatsResponse>, ValidationProblem>> Stats(ClaimsPrincipal user, StatisticsStore store, TimeProvider time,
        CancellationToken cancellationToken, string? window = null)
    {
        window ??= "24h";
        if (!Windows.TryGetValue(window, out var length))
        {
            return Problems.Invalid("window", $"'{window}' is not a window; use 1h, 24h or 7d");
        }
        var since = time.GetUtcNow() - length;
        var stats = await store.ComputeAsync(user.Tenant(), since, cancellationToken);
        return TypedResults.Ok(new StatsResponse(window, since, stats.Totals,
            stats.Schedules.Select(s => new ScheduleStats(s.ScheduleId, s.ScheduleName, s.Attempts, s.Failures,
                Rate(s.Succeeded, s.Attempts), s.P95DurationMs, s.P95LatenessMs)).ToList(),
            stats.Targets.Select(t => new TargetStats(t.Host, t.Attempts, t.Failed, t.TimedOut, Rate(t.Failed, t.Attempts), Rate(t.TimedOut, t.Attempts),
                t.P95DurationMs)).ToList(),
            stats.Executors, stats.Runs,
            stats.RunsInProgress.Select(r => InProgress(r, time.GetUtcNow())).ToList()));
    }

    private static async Task<Ok<IReadOnlyList<ExecutorResponse>>> Executors(ClaimsPrincipal user, StatisticsStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        return TypedResults.Ok(Describe(await store.ExecutorsAsync(user.Tenant(), cancellationToken), time.GetUtcNow()));
    }

    internal static IReadOnlyList<ExecutorResponse> Describe(IEnumerable<ExecutorRecord> executors, DateTimeOffset now) =>
        executors.Select(e => new ExecutorResponse(e.Id, e.Host, e.Version, e.StartedAt, e.LastSeenAt, e.Attempts, e.Failures,
            Alive: now - e.LastSeenAt < AliveWithin, e.Connections)).ToList();

    /// <summary>An executor not heard from for three heartbeats is gone.</summary>
    internal static readonly TimeSpan AliveWithin = TimeSpan.FromSeconds(30);

    /// <summary>Runs with fewer samples than this have no "usual" duration to be slow against.</summary>
    private const int MinSamples = 5;

    private static RunInProgress InProgress(RunInProgressRow r, DateTimeOffset now)
    {
        var running = r.DeliveredAt is { } delivered ? (now - delivered).TotalMilliseconds : 0;
        var usual = r.UsualSamples >= MinSamples ? r.UsualP95Ms : null;
        return new RunInProgress(r.ExecutionId, r.ScheduleId, r.ScheduleName, r.Status, r.DeliveredAt, r.Deadline, running, usual, usual is { } p95 && running > 2 * p95);
    }

    private static double Rate(long part, long whole) => whole == 0 ? 0 : (double)part / whole;
}
