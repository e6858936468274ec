namespace Scheduler.Common.Delivery;

/// <summary>Header names sent with every trigger (Standard Webhooks names where they exist).</summary>
public static class TriggerHeaders
{
    /// <summary>The execution id: the same on every attempt, for de-duplication.</summary>
    public const string WebhookId = "webhook-id";

    /// <summary>Unix seconds when this attempt was sent.</summary>
    public const string WebhookTimestamp = "webhook-timestamp";

    /// <summary>Standard Webhooks signature, <c>v1,&lt;base64 HMAC-SHA256&gt;</c>, when the schedule has a signing secret.</summary>
    public const string WebhookSignature = "webhook-signature";

    /// <summary>The execution id on Kafka messages (webhooks carry it as <see cref="WebhookId"/>).</summary>
    public const string ExecutionId = "scheduleman-execution-id";

    public const string ScheduleId = "scheduleman-schedule-id";

    /// <summary>The occurrence's scheduled instant, ISO 8601 UTC.</summary>
    public const string ScheduledFor = "scheduleman-scheduled-for";

    /// <summary>
    /// The date the run is for, ISO 8601 UTC: the scheduled instant, or in history mode and for a backfill's runs the logical
    /// date (a backfill's run is scheduled when the backfill makes it, so <see cref="ScheduledFor"/> alone does not say which day it is for).
    /// </summary>
    public const string LogicalDate = "scheduleman-logical-date";

    /// <summary>1 for the first attempt.</summary>
    public const string Attempt = "scheduleman-attempt";

    /// <summary>With result tracking: the URL the worker POSTs its reports on this attempt to.</summary>
    public const string CallbackUrl = "scheduleman-callback-url";

    /// <summary>With result tracking: the token for those reports (<c>Authorization: Bearer</c>); valid for this execution only.</summary>
    public const string ReportToken = "scheduleman-report-token";

    /// <summary>For a workflow step: the run it belongs to.</summary>
    public const string WorkflowRunId = "scheduleman-workflow-run-id";

    /// <summary>For a workflow step: the step's id in its workflow.</summary>
    public const string StepId = "scheduleman-step-id";

    /// <summary>The scheduler's own headers for a trigger (both webhooks and messages carry them; webhooks name the execution <see cref="WebhookId"/>).</summary>
    public static IEnumerable<(string Name, string Value)> For(TriggerContext trigger, bool webhook)
    {
        if (!webhook)
        {
            yield return (ExecutionId, trigger.ExecutionId.ToString());
        }
        if (trigger.ScheduleId is { } scheduleId)
        {
            yield return (ScheduleId, scheduleId.ToString());
        }
        yield return (ScheduledFor, trigger.ScheduledFor.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        yield return (LogicalDate, trigger.EffectiveLogicalDate.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        yield return (Attempt, trigger.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (trigger.Callback is { } callback)
        {
            yield return (CallbackUrl, callback.Url);
            yield return (ReportToken, callback.Token);
        }
        if (trigger.Step is { } step)
        {
            yield return (WorkflowRunId, step.RunId.ToString());
            yield return (StepId, step.StepId);
        }
    }
}
