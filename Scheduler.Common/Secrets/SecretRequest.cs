using System.Text.RegularExpressions;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Secrets;

/// <summary>A named secret as clients send it. The value is write-only: no response, log, export or audit shows it.</summary>
public sealed record SecretRequest
{
    /// <summary>1–64 letters, digits and '_', not starting with a digit; targets' headers name it as <c>{{ secrets.name }}</c>.</summary>
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The value: required to create; on replace, a new value rotates it (absent: kept).</summary>
    public string? Value { get; init; }
}

/// <summary>Checks a secret's name, description and value.</summary>
public static partial class SecretValidator
{
    public const int MaxValueLength = 8_192;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex SecretName();

    /// <param name="create">Creating (name and value required) or replacing (the name, when sent, must be the stored one).</param>
    public static ValidationErrors Validate(SecretRequest request, bool create, string? storedName = null)
    {
        var errors = new ValidationErrors();
        if (create && string.IsNullOrEmpty(request.Name))
        {
            errors.Add("name", "is required");
        }
        else if (request.Name is { } name && !SecretName().IsMatch(name))
        {
            errors.Add("name", $"'{ValidationErrors.Excerpt(name, 64)}' is not a secret name: 1–64 letters, digits and '_', not starting with a digit");
        }
        else if (!create && request.Name is { } renamed && renamed != storedName)
        {
            errors.Add("name", "cannot change: targets name the secret; create a new one and point them at it");
        }
        if (request.Description is { Length: > 2_000 } || request.Description?.Contains('\0', StringComparison.Ordinal) == true)
        {
            errors.Add("description", "must be at most 2000 characters without NUL");
        }
        if (create && string.IsNullOrEmpty(request.Value))
        {
            errors.Add("value", "is required");
        }
        else if (request.Value is { } value && (value.Length is 0 or > MaxValueLength || value.Any(c => c is not ('\t' or (>= ' ' and <= '~')))))
        {
            // Resolved into header values only: it must be something a header can carry.
            errors.Add("value", $"must be 1–{MaxValueLength} characters of printable ASCII (a header value); base64-encode anything else");
        }
        else if (request.Value is "***")
        {
            errors.Add("value", "'***' is how responses hide values; send the secret itself");
        }
        return errors;
    }
}
