using System.ComponentModel.DataAnnotations;

namespace Scheduler.Executor;

/// <summary>The executor's settings (section <c>Executor</c>; environment <c>Executor__PollInterval</c> etc.).</summary>
public sealed class ExecutorOptions
{
    public const string Section = "Executor";

    /// <summary>This process's identity in leases and history. Default: host name, process id and a random suffix.</summary>
    public string ExecutorId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Random.Shared.Next(0x10000):x4}";

    /// <summary>Base time between polls (default 1 s); each sleep is this × U(0.5, 1.5) so executors never poll in step.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Occurrences due within this are claimed early and fired exactly on time (default 2 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan Lookahead { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>At most this many schedules and this many pending executions per claim (default 500).</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>At most this many executions held at once (waiting or being delivered; default 1,000). Held work
    /// keeps its lease, so this must drain well within a lease at the throughput the executor reaches.</summary>
    [Range(1, 100_000)]
    public int MaxInFlight { get; set; } = 1_000;

    /// <summary>At most this many delivery attempts in progress at once (default 256). A due execution waits for
    /// a free slot before its attempt (and its timeout) starts, so a burst queues here instead of opening thousands
    /// of connections to its target.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentDeliveries { get; set; } = 256;

    /// <summary>A lease lasts until the attempt's due time plus its timeout plus this (default 5 s), so work
    /// held by an executor that dies is fired by another about timeout + margin late (8 s with the default
    /// 3 s timeout), inside the 10 s promise. Too short a margin only risks duplicate deliveries.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan LeaseMargin { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An occurrence later than this is a misfire: a recurring schedule then fires once for all the
    /// occurrences it missed, and resumes (default 10 s, the lateness the product promises).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait after the first failed attempt (default 1 s); doubles per failure, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RetryInitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap on the wait between attempts (default 5 min).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan RetryMaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The API's address as workers reach it (e.g. <c>https://scheduleman.example.com/</c>): triggers of schedules
    /// with result tracking carry a report address on it. Without it such triggers fail (and say why).</summary>
    public Uri? CallbackUrl { get; set; }

    /// <summary>How often the offset from the database clock is measured (default 1 min).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ClockSyncInterval { get; set; } = TimeSpan.FromMinutes(1);
}
