using Scheduler.Storage.Executions;

namespace Scheduler.Crud.Api.Executions;

/// <summary>One occurrence of a schedule and how its delivery went.</summary>
public sealed record ExecutionResponse
{
    /// <summary>Sent as <c>webhook-id</c> with every attempt: the key to de-duplicate on.</summary>
    public Guid Id { get; init; }
    public Guid ScheduleId { get; init; }
    public required string ScheduleName { get; init; }
    public DateTimeOffset ScheduledFor { get; init; }
    /// <summary><c>schedule</c>, <c>catchup</c> (stands for occurrences missed while nothing ran), <c>deferred</c> (held by an outage until its end) or <c>manual</c>.</summary>
    public required string Origin { get; init; }
    /// <summary>How many occurrences this execution stands for (more than 1 only for a catch-up or a deferral).</summary>
    public int Occurrences { get; init; }
    /// <summary><c>pending</c>, <c>delivering</c>, <c>succeeded</c>, <c>dead</c> or <c>skipped</c> (an outage or the catch-up policy; never delivered).</summary>
    public required string Status { get; init; }
    /// <summary>Attempts started so far.</summary>
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public int? LastStatusCode { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FirstAttemptAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>Why it was skipped or deferred, e.g. <c>skipped by outage 'db-upgrade'</c>.</summary>
    public string? Note { get; init; }
    /// <summary>The outage that skipped or deferred it.</summary>
    public Guid? OutageId { get; init; }
    /// <summary>First attempt minus scheduled time, in milliseconds.</summary>
    public double? LatenessMs { get; init; }
    /// <summary>Every attempt (only on a single execution's page).</summary>
    public IReadOnlyList<AttemptResponse>? Attempts { get; init; }

    public static ExecutionResponse From(ExecutionRecord e, IReadOnlyList<AttemptRecord>? attempts = null) => new()
    {
        Id = e.Id,
        ScheduleId = e.ScheduleId,
        ScheduleName = e.ScheduleName,
        ScheduledFor = e.ScheduledFor,
        Origin = e.Origin,
        Occurrences = e.Occurrences,
        Status = e.Status,
        Attempt = e.Attempt,
        MaxAttempts = e.MaxAttempts,
        NextAttemptAt = e.NextAttemptAt,
        LastError = e.LastError,
        LastStatusCode = e.LastStatusCode,
        CreatedAt = e.CreatedAt,
        FirstAttemptAt = e.FirstAttemptAt,
        CompletedAt = e.CompletedAt,
        Note = e.Note,
        OutageId = e.OutageId,
        LatenessMs = e.FirstAttemptAt is { } first ? (first - e.ScheduledFor).TotalMilliseconds : null,
        Attempts = attempts?.Select(a => new AttemptResponse(a.Attempt, a.ExecutorId, a.StartedAt, a.DurationMs, a.Outcome, a.StatusCode, a.Error)).ToList(),
    };
}

/// <summary>One delivery attempt: when, how long, and the HTTP status or error.</summary>
public sealed record AttemptResponse(int Attempt, string ExecutorId, DateTimeOffset StartedAt, double DurationMs, string Outcome, int? StatusCode, string? Error);

/// <summary>A page of executions, newest first; pass <c>nextCursor</c> as <c>cursor</c> for the next (absent on the last page).</summary>
public sealed record ExecutionPage(IReadOnlyList<ExecutionResponse> Items, string? NextCursor);

/// <summary>What a bulk redrive did.</summary>
public sealed record RedriveResult(int Redriven, IReadOnlyList<ExecutionResponse> Executions);
