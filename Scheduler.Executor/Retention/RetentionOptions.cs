using System.ComponentModel.DataAnnotations;

namespace Scheduler.Executor.Retention;

/// <summary>How long history is kept (section <c>Retention</c>); the executors delete what is older, one of them at a time.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Off: history is kept for ever (deleted by something else, or not at all).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Finished executions (succeeded, skipped, cancelled; with their attempts) and finished workflow runs (default 30 days).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "3650.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Dead letters (default 90 days): kept longer, as they wait for someone to look; a redriven one is live again.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "3650.00:00:00")]
    public TimeSpan DeadLetterWindow { get; set; } = TimeSpan.FromDays(90);

    /// <summary>At most this many executions of each kind per batch, one short transaction each (default 5,000).</summary>
    [Range(100, 100_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>How often an executor looks for history to delete (default 10 s, jittered); it keeps going while batches come back full.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);
}
