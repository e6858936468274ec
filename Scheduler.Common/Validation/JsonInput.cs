using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Scheduler.Common.Validation;

/// <summary>
/// What any JSON a client sends may hold, checked once where it enters (every request body, every JSON field of a
/// form) before anything binds or stores it: nesting, strings PostgreSQL and the encoders can hold, numbers jsonb can
/// hold. Each refusal names the field by its JSON path (<c>target.body.a[2]</c>) and says why.
/// </summary>
public static class JsonInput
{
    /// <summary>
    /// Nesting of a whole request body. Answers embed what was sent a few levels deeper (a list's <c>items</c>, an
    /// audit entry's <c>after</c> of a workflow's steps' targets: 7 at most), and the serializer writes up to
    /// <see cref="SchedulerJson.MaxDepth"/>; 32 leaves room for every answer and more than any real body needs.
    /// </summary>
    public const int MaxDepth = 32;

    /// <summary>Longest number literal: a double's 17 significant digits with sign and exponent fit many times over.</summary>
    public const int MaxNumberLength = 100;

    /// <summary>The errors of <paramref name="utf8"/> (an empty set when it is fine or is not JSON at all, which its reader reports).</summary>
    /// <param name="root">The field the document is the value of (<c>target.body</c> for a form field), empty for a request body.</param>
    public static ValidationErrors Check(ReadOnlySpan<byte> utf8, string root = "")
    {
        var errors = new ValidationErrors();
        // Past our own bound the reader must not be the one to stop (its error names no field), so it may go deeper.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth * 2 });
        var path = new List<Segment>();
        try
        {
            while (errors.IsValid && reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        Advance(path);
                        // The root is level 1, at depth 0.
                        if (reader.CurrentDepth >= MaxDepth)
                        {
                            errors.Add(Field(root, path), $"nests deeper than {MaxDepth} levels (a whole body may nest {MaxDepth} objects and arrays)");
                        }
                        path.Add(new Segment(reader.TokenType == JsonTokenType.StartArray, -1, null));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = Text(ref reader, out var nameProblem);
                        path[^1] = path[^1] with { Name = name ?? "\uFFFD" };
                        if (nameProblem is not null)
                        {
                            errors.Add(Field(root, path), "the field's name " + nameProblem);
                        }
                        break;
                    case JsonTokenType.String:
                        Advance(path);
                        Text(ref reader, out var problem);
                        if (problem is not null)
                        {
                            errors.Add(Field(root, path), problem);
                        }
                        break;
                    case JsonTokenType.Number:
                        Advance(path);
                        if (NumberProblem(reader.ValueSpan) is { } number)
                        {
                            errors.Add(Field(root, path), number);
                        }
                        break;
                    default:
                        Advance(path);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed JSON: the deserializer says where, as it always has.
        }
        return errors;
    }

    /// <summary>A form's field of JSON text (the UI's body, value and parameters): null when blank or refused (the errors say why).</summary>
    public static JsonElement? ParseField(string? text, string field, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        // A lone surrogate typed into a form becomes U+FFFD in UTF-8; NUL and the bounds are checked as for a request body.
        if (Check(Encoding.UTF8.GetBytes(text), field) is { IsValid: false } refused)
        {
            errors.AddAll(refused, "");
            return null;
        }
        try
        {
            return SchedulerJson.ParseStored(text);
        }
        catch (JsonException e)
        {
            errors.Add(field, $"is not JSON: {e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}");
            return null;
        }
    }

    private sealed record Segment(bool IsArray, int Index, string? Name);

    /// <summary>A value is the next element of the array it is in.</summary>
    private static void Advance(List<Segment> path)
    {
        if (path.Count > 0 && path[^1].IsArray)
        {
            path[^1] = path[^1] with { Index = path[^1].Index + 1 };
        }
    }

    private static string? Text(ref Utf8JsonReader reader, out string? problem)
    {
        problem = null;
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // Escapes such as a lone "\ud800", or bytes that are not UTF-8: no encoder, nor PostgreSQL, can hold them.
            problem = "must be valid Unicode: no unpaired UTF-16 surrogate (such as a lone \\ud800) and no invalid UTF-8";
            return null;
        }
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            problem = "must not contain NUL (\\u0000): PostgreSQL cannot store it";
        }
        return text;
    }

    private static string? NumberProblem(ReadOnlySpan<byte> literal) =>
        literal.Length > MaxNumberLength ? $"is a number of more than {MaxNumberLength} characters"
        : !double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value)
            ? "is a number beyond ±1.7976931348623157e308 (a double's range, which clients and PostgreSQL can hold)"
            : null;

    private static string Field(string root, List<Segment> path)
    {
        var field = new StringBuilder(root);
        foreach (var segment in path)
        {
            if (segment.IsArray)
            {
                if (segment.Index >= 0)
                {
                    field.Append('[').Append(segment.Index).Append(']');
                }
            }
            else if (segment.Name is { } name)
            {
                if (field.Length > 0)
                {
                    field.Append('.');
                }
                field.Append(Targets.TargetValidator.FieldKey(name));
            }
        }
        return field.Length == 0 ? "body" : field.ToString();
    }
}
