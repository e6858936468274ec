using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Parameters;

/// <summary>
/// Declared parameters (names, types, defaults, required flags) and the values a run is given: checked against the
/// declaration, with defaults filled in. A job that declares none takes any JSON object, as before declarations existed.
/// </summary>
public static partial class ParameterValidator
{
    public const int MaxParameters = 50;

    /// <summary>The bound on a run's parameters as JSON (and on one declaration's defaults together).</summary>
    public const int MaxBytes = 16 * 1024;

    // A Liquid identifier, so that templates can say params.name.
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex ParameterName();

    private static readonly string[] TypeNames = Enum.GetNames<ParameterType>().Select(JsonNamingPolicy.CamelCase.ConvertName).ToArray();

    /// <summary>The declaration as validated (empty when none is given); errors under <c>parameters.&lt;name&gt;</c>.</summary>
    public static IReadOnlyDictionary<string, ParameterSpec> ValidateDeclaration(Dictionary<string, ParameterRequest?>? request, ValidationErrors errors)
    {
        var declared = new Dictionary<string, ParameterSpec>(StringComparer.Ordinal);
        if (request is null)
        {
            return declared;
        }
        if (request.Count > MaxParameters)
        {
            errors.Add("parameters", $"declares {request.Count} parameters; the limit is {MaxParameters}");
            return declared;
        }
        foreach (var (name, spec) in request)
        {
            var field = $"parameters.{ValidationErrors.Excerpt(name, 64)}";
            if (!ParameterName().IsMatch(name))
            {
                errors.Add(field, "parameter names are 1–64 letters, digits and '_', not starting with a digit (so that templates can say params.name)");
                continue;
            }
            if (spec is null)
            {
                errors.Add(field, "is null; give at least {\"type\": \"string\"}");
                continue;
            }
            var typeIndex = spec.Type is null ? 0 : Array.IndexOf(TypeNames, spec.Type);
            if (typeIndex < 0)
            {
                errors.Add($"{field}.type", $"'{ValidationErrors.Excerpt(spec.Type!)}' is not a parameter type; use one of {string.Join(", ", TypeNames)}");
                continue;
            }
            var type = Enum.GetValues<ParameterType>()[typeIndex];
            if (spec.Description is { Length: > 500 } || spec.Description?.Any(char.IsControl) == true)
            {
                errors.Add($"{field}.description", "must be at most 500 characters without control characters");
            }
            JsonElement? defaultValue = null;
            if (spec.Default is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } given)
            {
                if (TypeProblem(type, given) is { } problem)
                {
                    errors.Add($"{field}.default", problem);
                }
                defaultValue = given.Clone();
            }
            declared[name] = new ParameterSpec(type, spec.Required ?? false, defaultValue, string.IsNullOrWhiteSpace(spec.Description) ? null : spec.Description);
        }
        if (errors.IsValid && JsonSerializer.SerializeToUtf8Bytes(declared, SchedulerJson.Options).Length > MaxBytes)
        {
            errors.Add("parameters", $"is larger than {MaxBytes / 1024} KiB as JSON");
        }
        return declared;
    }

    /// <summary>
    /// The parameters a run gets: <paramref name="given"/> checked against <paramref name="declared"/> (unknown names,
    /// wrong types, missing required ones are errors under <paramref name="field"/>), with defaults filled in. With no
    /// declaration, any JSON object passes as it is. Null when there are errors.
    /// </summary>
    public static JsonObject? Resolve(IReadOnlyDictionary<string, ParameterSpec> declared, JsonElement? given, string field, ValidationErrors errors)
    {
        var values = new JsonObject();
        if (given is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } supplied)
        {
            if (supplied.ValueKind != JsonValueKind.Object)
            {
                errors.Add(field, $"must be a JSON object of name to value, got {supplied.ValueKind.ToString().ToLowerInvariant()}");
                return null;
            }
            if (supplied.GetRawText().Length > MaxBytes)
            {
                errors.Add(field, $"is larger than {MaxBytes / 1024} KiB");
                return null;
            }
            foreach (var property in supplied.EnumerateObject())
            {
                var name = property.Name;
                if (declared.Count > 0 && !declared.ContainsKey(name))
                {
                    errors.Add($"{field}.{ValidationErrors.Excerpt(name, 64)}",
                        $"is not a declared parameter; declared: {string.Join(", ", declared.Keys)}");
                    continue;
                }
                if (declared.TryGetValue(name, out var spec) && TypeProblem(spec.Type, property.Value) is { } problem)
                {
                    errors.Add($"{field}.{name}", problem);
                    continue;
                }
                values[name] = JsonNode.Parse(property.Value.GetRawText(), documentOptions: SchedulerJson.DocumentOptions);
            }
        }
        foreach (var (name, spec) in declared)
        {
            if (values.ContainsKey(name))
            {
                continue;
            }
            if (spec.Default is { } fallback)
            {
                values[name] = JsonNode.Parse(fallback.GetRawText(), documentOptions: SchedulerJson.DocumentOptions);
            }
            else if (spec.Required)
            {
                errors.Add($"{field}.{name}", $"is required (a {JsonNamingPolicy.CamelCase.ConvertName(spec.Type.ToString())}) and has no default");
            }
        }
        return errors.IsValid ? values : null;
    }

    /// <summary>What a timed occurrence is given: the defaults; null when nothing is declared (the trigger then carries no parameters).</summary>
    public static string? DefaultsJson(IReadOnlyDictionary<string, ParameterSpec> declared) =>
        declared.Count == 0 ? null : Resolve(declared, null, "parameters", new ValidationErrors())?.ToJsonString();

    /// <summary>For a job that fires on its own: every required parameter needs a default, since an occurrence is given none.</summary>
    public static void RequireDefaults(IReadOnlyDictionary<string, ParameterSpec> declared, ValidationErrors errors, string why)
    {
        foreach (var (name, spec) in declared.Where(p => p.Value.Required && p.Value.Default is null))
        {
            errors.Add($"parameters.{name}", $"is required but has no default; {why}");
        }
    }

    private static string? TypeProblem(ParameterType type, JsonElement value)
    {
        var ok = type switch
        {
            ParameterType.String => value.ValueKind == JsonValueKind.String,
            ParameterType.Integer => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
            ParameterType.Number => value.ValueKind == JsonValueKind.Number,
            ParameterType.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            ParameterType.Date => value.ValueKind == JsonValueKind.String &&
                                  DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
            ParameterType.DateTime => value.ValueKind == JsonValueKind.String && value.GetString() is { } text && text.Contains('T', StringComparison.Ordinal) &&
                                      DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
            _ => true,
        };
        if (ok)
        {
            return null;
        }
        var expected = type switch
        {
            ParameterType.Date => "a date as \"YYYY-MM-DD\"",
            ParameterType.DateTime => "an ISO 8601 instant as a string, e.g. \"2030-01-01T09:00:00Z\"",
            ParameterType.Integer => "an integer",
            ParameterType.Number => "a number",
            ParameterType.Boolean => "true or false",
            _ => "a string",
        };
        return $"must be {expected}, got {Describe(value)}";
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"\"{ValidationErrors.Excerpt(value.GetString()!, 40)}\"",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}
