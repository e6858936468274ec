using System.Globalization;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Outages;

/// <summary>An outage as clients send it.</summary>
public sealed record OutageRequest
{
    /// <summary>Unique within the tenant, e.g. <c>db-upgrade-2026-12</c>; named in the history of what it skipped.</summary>
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>When it starts: an ISO 8601 instant with offset.</summary>
    public string? From { get; init; }

    /// <summary>When it ends (after <see cref="From"/>).</summary>
    public string? To { get; init; }

    /// <summary><c>skip</c> (each occurrence inside is recorded as skipped) or <c>defer</c> (one fire at the end stands for them).</summary>
    public string? Policy { get; init; }

    /// <summary>Only schedules with all of these labels; none: every schedule of the tenant.</summary>
    public Dictionary<string, string>? Labels { get; init; }
}

/// <summary>A validated outage request.</summary>
public sealed record OutageSpec(string Name, string? Description, DateTimeOffset From, DateTimeOffset To, OutagePolicy Policy,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>Names each field of an <see cref="OutageRequest"/> that is wrong, and why.</summary>
public static class OutageValidator
{
    /// <summary>Longer windows are almost certainly a mistake (and would swallow a month of history).</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(31);

    public static ValidationErrors Validate(OutageRequest request, DateTimeOffset now, out OutageSpec? spec)
    {
        var errors = new ValidationErrors();
        spec = null;
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200 || name.Any(char.IsControl))
        {
            errors.Add("name", "is required: 1–200 characters without control characters");
        }
        if (request.Description is { Length: > 2_000 } || request.Description?.Contains('\0', StringComparison.Ordinal) == true)
        {
            errors.Add("description", "is at most 2000 characters, without NUL");
        }
        var from = Instant(request.From, "from", errors);
        var to = Instant(request.To, "to", errors);
        if (from is { } start && to is { } end)
        {
            if (end <= start)
            {
                errors.Add("to", $"{Format(end)} is not after from ({Format(start)}): the outage would end before it starts");
            }
            else if (end - start > MaxLength)
            {
                errors.Add("to", $"the outage lasts {(end - start).TotalDays:0.#} days; the limit is {MaxLength.TotalDays:0} days");
            }
            else if (end <= now)
            {
                errors.Add("to", $"{Format(end)} is in the past (now is {Format(now)})");
            }
            else if (start > now.AddYears(10))
            {
                errors.Add("from", $"{Format(start)} is more than 10 years ahead");
            }
        }
        var policy = OutagePolicy.Skip;
        if (request.Policy is not ("skip" or "defer"))
        {
            errors.Add("policy", request.Policy is null ? "is required: 'skip' or 'defer'" : $"'{request.Policy}' is not a policy; use 'skip' or 'defer'");
        }
        else
        {
            policy = request.Policy == "skip" ? OutagePolicy.Skip : OutagePolicy.Defer;
        }
        if (request.Labels is { Count: > 64 })
        {
            errors.Add("labels", $"has {request.Labels.Count} entries; the limit is 64");
        }
        else
        {
            foreach (var (key, value) in request.Labels ?? [])
            {
                if (key.Length is 0 or > 63 || key.Any(char.IsControl) || value is null || value.Length > 256 || value.Any(char.IsControl))
                {
                    errors.Add($"labels.{new string(key.Take(80).Select(c => char.IsControl(c) ? '\uFFFD' : c).ToArray())}",
                        "keys are 1–63 characters, values present and at most 256, without control characters");
                }
            }
        }
        if (errors.IsValid)
        {
            spec = new OutageSpec(name!, string.IsNullOrWhiteSpace(request.Description) ? null : request.Description, from!.Value, to!.Value, policy,
                request.Labels ?? []);
        }
        return errors;
    }

    private static DateTimeOffset? Instant(string? text, string field, ValidationErrors errors)
    {
        if (text is null)
        {
            errors.Add(field, "is required: an ISO 8601 instant with offset, e.g. 2026-12-05T22:00:00Z");
            return null;
        }
        var trimmed = text.Trim();
        if ((trimmed.EndsWith('Z') || trimmed.EndsWith('z') || (trimmed.Length > 6 && trimmed[^6] is '+' or '-')) &&
            DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) && at.Year is >= 2000 and <= 2200)
        {
            return at.ToUniversalTime();
        }
        errors.Add(field, $"'{(text.Length > 80 ? text[..80] + "…" : text)}' is not an ISO 8601 instant with an offset (years 2000–2200)");
        return null;
    }

    private static string Format(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
