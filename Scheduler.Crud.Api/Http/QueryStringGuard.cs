using Scheduler.Common.Validation;

namespace Scheduler.Crud.Api.Http;

/// <summary>
/// Refuses query strings no endpoint can use, before any handler or page reads them: control characters (a NUL
/// would reach PostgreSQL, which cannot store it; line breaks would reach logs) and values longer than any
/// parameter takes. Each refusal is a 400 problem naming the parameter. What a parameter means (a state, a
/// cursor, an instant) is still checked by its endpoint.
/// </summary>
internal static class QueryStringGuard
{
    /// <summary>The longest value any parameter takes (a cursor, a name filter); Kestrel bounds the whole request line at 8 KiB.</summary>
    public const int MaxValueLength = 1_024;

    public static IApplicationBuilder UseQueryStringGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.QueryString.HasValue && Check(context.Request.Query) is { IsValid: false } errors)
        {
            await Problems.Invalid(errors, "The query string is invalid.").ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    internal static ValidationErrors Check(IQueryCollection query)
    {
        var errors = new ValidationErrors();
        foreach (var (name, values) in query)
        {
            var field = Printable(name);
            if (Reason(name) is { } bad)
            {
                errors.Add(field, $"the parameter's name {bad}");
            }
            foreach (var value in values)
            {
                if (value is not null && Reason(value) is { } reason)
                {
                    errors.Add(field, reason);
                }
            }
        }
        return errors;
    }

    private static string? Reason(string text) =>
        text.Length > MaxValueLength ? $"is longer than {MaxValueLength} characters"
        : text.Any(char.IsControl) ? "must not contain control characters (NUL, line breaks, escapes)"
        : null;

    // The field name is echoed in the problem: keep it readable and short.
    private static string Printable(string name)
    {
        var shown = new string(name.Select(c => char.IsControl(c) ? '\uFFFD' : c).ToArray());
        return shown.Length <= 80 ? shown : shown[..80] + "…";
    }
}
