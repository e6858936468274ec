using Scheduler.Common.Time;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Results;

/// <summary>Validates a schedule's <c>completion</c>; errors are named <c>completion.*</c>.</summary>
public static class CompletionValidator
{
    public static Completion? Validate(CompletionRequest? request, ValidationErrors errors)
    {
        if (request is null)
        {
            return null;
        }
        var valid = true;
        var runTimeout = Completion.DefaultRunTimeout;
        if (request.RunTimeout is not null && !TryDuration(request.RunTimeout, "completion.runTimeout", Completion.MaxRunTimeout, errors, out runTimeout))
        {
            valid = false;
        }
        TimeSpan? heartbeat = null;
        if (request.HeartbeatTimeout is not null)
        {
            if (!TryDuration(request.HeartbeatTimeout, "completion.heartbeatTimeout", Completion.MaxRunTimeout, errors, out var beat))
            {
                valid = false;
            }
            else if (valid && beat > runTimeout)
            {
                errors.Add("completion.heartbeatTimeout", $"is longer than completion.runTimeout ({Durations.Format(runTimeout)}); it would never apply");
                valid = false;
            }
            heartbeat = beat;
        }
        var overlap = OverlapPolicy.Allow;
        if (request.Overlap is not null && !Completion.OverlapNames.TryGetValue(request.Overlap, out overlap))
        {
            errors.Add("completion.overlap", $"'{ValidationErrors.Excerpt(request.Overlap!, 40)}' is not an overlap policy; use allow, skip or bufferOne");
            valid = false;
        }
        return valid ? new Completion(runTimeout, heartbeat, overlap) : null;
    }

    private static bool TryDuration(string text, string field, TimeSpan max, ValidationErrors errors, out TimeSpan value)
    {
        if (!Durations.TryParse(text, out value, out var why))
        {
            errors.Add(field, why);
            return false;
        }
        if (value < Completion.MinTimeout || value > max)
        {
            errors.Add(field, $"must be between 1s and {Durations.Format(max)}, got {Durations.Format(value)}");
            return false;
        }
        return true;
    }

}
