using System.Text.Json;
using Scheduler.Common.Backfills;
using Scheduler.Common.Calendars;
using Scheduler.Common.Parameters;
using Scheduler.Common.Validation;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Schedules;
using Scheduler.Storage.Workflows;

namespace Scheduler.Crud.Api.Backfills;

/// <summary>"Trigger now" and "run now" (the API's and the UI's): history mode and parameters, checked one way for both.</summary>
internal static class HistoryRuns
{
    /// <summary>A schedule's manual run: its logical date and interval by the schedule's timing, its parameters by its declaration.</summary>
    public static ManualRun? ForSchedule(ScheduleRecord schedule, BusinessCalendar? calendar, RunNowRequest request, DateTimeOffset now, ValidationErrors errors)
    {
        var timing = schedule.Timing;
        var zone = timing.TimeZone is { } id ? TimeZoneInfo.FindSystemTimeZoneById(id) : TimeZoneInfo.Utc;
        var run = HistoryMode.Resolve(request, timing.OccurrencesIfCalendar(calendar), timing.IsRecurring, now, errors, zone);
        var parameters = ParameterValidator.Resolve(schedule.Parameters, request.Parameters, "parameters", errors);
        if (!errors.IsValid)
        {
            return null;
        }
        // No declaration and nothing given: the trigger carries no parameters (as before parameters existed).
        var json = parameters!.Count == 0 && request.Parameters is null ? null : parameters.ToJsonString();
        return new ManualRun(run.LogicalDate, run.Interval, json);
    }

    /// <summary>A workflow's run now: a logical date as given (a workflow has no timing), its parameters by its declaration.</summary>
    public static RunStart? ForWorkflow(WorkflowRecord workflow, RunNowRequest request, DateTimeOffset now, ValidationErrors errors)
    {
        var run = HistoryMode.Resolve(request, null, recurring: false, now, errors);
        var parameters = ParameterValidator.Resolve(workflow.Parameters, request.Parameters, "parameters", errors);
        return errors.IsValid ? new RunStart("manual", run.LogicalDate ?? now, parameters!.ToJsonString(), Interval: run.Interval) : null;
    }

    /// <summary>The UI's form: a logical date (blank: now) and parameters as JSON text (blank: none).</summary>
    public static RunNowRequest FromForm(string? logicalDate, string? parameters, ValidationErrors errors)
    {
        var values = JsonInput.ParseField(parameters, "parameters", errors);
        return new RunNowRequest { LogicalDate = string.IsNullOrWhiteSpace(logicalDate) ? null : logicalDate.Trim(), Parameters = values };
    }
}
