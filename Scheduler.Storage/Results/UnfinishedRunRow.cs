using Scheduler.Common.Results;

namespace Scheduler.Storage.Results;

/// <summary>A row of <see cref="ResultSql.Unfinished"/>.</summary>
internal sealed class UnfinishedRunRow
{
    public Guid Id { get; init; }
    public string Status { get; init; } = "";
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public DateTimeOffset RunDeadline { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    public string CompletionJson { get; init; } = "";

    public UnfinishedRun ToRun() => new(Id, Status, Attempt, MaxAttempts, RunDeadline, DeliveredAt, Completion.FromJson(CompletionJson)!);
}
