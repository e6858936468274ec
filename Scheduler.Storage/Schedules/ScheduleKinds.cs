using Scheduler.Common.Schedules;

namespace Scheduler.Storage.Schedules;

/// <summary>The <c>schedules.kind</c> column's values.</summary>
internal static class ScheduleKinds
{
    public static string ToDb(ScheduleKind kind) => kind switch
    {
        ScheduleKind.Cron => "cron",
        ScheduleKind.RunAt => "runAt",
        ScheduleKind.Delay => "delay",
        ScheduleKind.Manual => "manual",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static ScheduleKind FromDb(string kind) => kind switch
    {
        "cron" => ScheduleKind.Cron,
        "runAt" => ScheduleKind.RunAt,
        "delay" => ScheduleKind.Delay,
        "manual" => ScheduleKind.Manual,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
