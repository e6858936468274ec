using Scheduler.Common.Validation;

namespace Scheduler.Crud.Api.Http;

/// <summary>The <c>label=key=value</c> query parameters of a list (repeatable; all must match).</summary>
internal static class LabelFilter
{
    public static Dictionary<string, string> Parse(string[]? labels, ValidationErrors errors)
    {
        var filter = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in labels ?? [])
        {
            if (label?.Split('=', 2) is [{ Length: > 0 } key, var value])
            {
                filter[key] = value;
            }
            else
            {
                errors.Add("label", $"'{ValidationErrors.Excerpt(label ?? "")}' is not key=value");
            }
        }
        return filter;
    }
}
