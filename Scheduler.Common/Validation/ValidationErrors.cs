namespace Scheduler.Common.Validation;

/// <summary>Field-level validation errors, keyed by the JSON path of the field (for RFC 7807 problem details).</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    /// <summary>How many fields have errors.</summary>
    public int Count => _errors.Count;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
    }

    /// <summary>Adds every error of <paramref name="other"/> under <paramref name="prefix"/> (<c>steps[2].</c> + <c>target.url</c>).</summary>
    public void AddAll(ValidationErrors other, string prefix)
    {
        foreach (var (field, messages) in other._errors)
        {
            foreach (var message in messages)
            {
                Add(prefix + field, message);
            }
        }
    }

    public bool Has(string field) => _errors.ContainsKey(field);

    public IDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>Text from a request as quoted in an error: at most <paramref name="max"/> characters, then an ellipsis.</summary>
    public static string Excerpt(string text, int max = 80) => text.Length <= max ? text : text[..max] + "…";

    public override string ToString() =>
        string.Join("; ", _errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")));
}
