namespace Scheduler.Storage;

/// <summary>How the processes use PostgreSQL (section <c>Storage</c>: <c>Storage__ListenForWakeUps</c>…).</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// Executors hold one connection in <c>LISTEN</c> so that new due work wakes them before their next poll. Set it to false
    /// behind a pooler in transaction mode (PgBouncer's <c>pool_mode = transaction</c>), which cannot keep a session's
    /// <c>LISTEN</c>: executors then find new work by polling alone, which is always correct, only up to a poll later.
    /// </summary>
    public bool ListenForWakeUps { get; set; } = true;
}
