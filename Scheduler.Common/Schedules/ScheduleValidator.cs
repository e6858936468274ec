using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scheduler.Common.Parameters;
using Scheduler.Common.Results;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;
using Scheduler.Common.Templates;
using Scheduler.Common.Time;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Schedules;

/// <summary>Turns a <see cref="ScheduleRequest"/> into a <see cref="ScheduleDefinition"/>, or says what is wrong with each field.</summary>
public static class ScheduleValidator
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2_000;
    public const int MaxLabels = 64;

    /// <summary>One-shots further ahead than this are almost certainly a typo in the year.</summary>
    public static readonly TimeSpan MaxHorizon = TimeSpan.FromDays(366 * 10);

    /// <param name="request">The schedule as sent.</param>
    /// <param name="now">The instant it is written at.</param>
    /// <param name="definition">The validated schedule, or null when there are errors.</param>
    /// <param name="calendar">The calendar the request names, as the caller looked it up (null: none of that name).</param>
    public static ValidationErrors Validate(ScheduleRequest request, DateTimeOffset now, out ScheduleDefinition? definition, CalendarReference? calendar = null)
    {
        var errors = new ValidationErrors();
        definition = null;

        var name = ValidateName(request.Name, "name", errors);

        if (request.Description is { Length: > MaxDescriptionLength })
        {
            errors.Add("description", $"is {request.Description.Length} characters long; the limit is {MaxDescriptionLength}");
        }
        else if (request.Description?.Contains('\0', StringComparison.Ordinal) == true)
        {
            errors.Add("description", "must not contain NUL (\\u0000)");
        }
        ValidateLabels(request.Labels, errors);

        var timing = TimingValidator.Validate(request, now, calendar, errors);
        if (request.State is not (null or "active" or "paused"))
        {
            errors.Add("state", $"'{ValidationErrors.Excerpt(request.State)}' cannot be asked for; use 'active' or 'paused'");
        }
        var target = TargetValidator.Validate(request.Target, errors);
        var parameters = ParameterValidator.ValidateDeclaration(request.Parameters, errors);
        if (timing is { Kind: not ScheduleKind.Manual })
        {
            ParameterValidator.RequireDefaults(parameters, errors, "a timed occurrence is given no parameters");
        }
        var secretRefs = target is null ? [] : TargetTemplates.Validate(target, TemplateScope.For(parameters.Keys.ToList()), errors);
        var completion = CompletionValidator.Validate(request.Completion, errors);

        var maxAttempts = request.MaxAttempts ?? ScheduleDefinition.DefaultMaxAttempts;
        if (maxAttempts is < 1 or > 100)
        {
            errors.Add("maxAttempts", $"must be between 1 and 100, got {maxAttempts}");
        }

        if (errors.IsValid)
        {
            definition = new ScheduleDefinition
            {
                Name = name!,
                Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description,
                Labels = request.Labels ?? [],
                Timing = timing!,
                Target = target!,
                MaxAttempts = maxAttempts,
                Completion = completion,
                Parameters = parameters,
                SecretRefs = secretRefs,
                State = request.State,
                Calendar = timing!.BusinessDays is null ? null : calendar?.Calendar,
            };
        }
        return errors;
    }

    /// <summary>A name as schedules, workflows and their steps need it: present, bounded, no control or bidi characters.</summary>
    internal static string? ValidateName(string? raw, string field, ValidationErrors errors, int maxLength = MaxNameLength)
    {
        var name = raw?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(field, "is required");
        }
        else if (name.Length > maxLength)
        {
            errors.Add(field, $"is {name.Length} characters long; the limit is {maxLength}");
        }
        else if (name.Any(char.IsControl))
        {
            errors.Add(field, "must not contain control characters");
        }
        else if (name.Any(IsBidiControl))
        {
            // Names are shown in lists and logs: text direction overrides there can disguise one name as another.
            errors.Add(field, "must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)");
        }
        return name;
    }

    internal static void ValidateLabels(Dictionary<string, string>? labels, ValidationErrors errors)
    {
        if (labels is null)
        {
            return;
        }
        if (labels.Count > MaxLabels)
        {
            errors.Add("labels", $"has {labels.Count} entries; the limit is {MaxLabels}");
            return;
        }
        foreach (var (key, value) in labels)
        {
            if (key.Length is 0 or > 63 || key.Any(char.IsControl))
            {
                errors.Add($"labels.{TargetValidator.FieldKey(key)}", "label keys must be 1–63 characters without control characters");
            }
            else if (value is null || value.Length > 256 || value.Any(char.IsControl))
            {
                errors.Add($"labels.{TargetValidator.FieldKey(key)}", "label values must be present, at most 256 characters, without control characters");
            }
        }
    }

    private static bool IsBidiControl(char c) => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
