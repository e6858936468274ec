using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Scheduler.Crud.Api.Errors;

/// <summary>
/// Turns a request the framework could not read (malformed JSON, a wrong type, an unknown field) into a 400
/// problem details that names the field, in the client's terms rather than .NET's.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    [GeneratedRegex(@"The JSON property '(?<name>[^']*)' could not be mapped")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex(@"could not be converted to (?<type>[\w.`\[\]]+)")]
    private static partial Regex WrongType();

    [GeneratedRegex(@"^Failed to bind parameter ""(?<type>[^ ""]+) (?<name>[^ ""]+)"" from ""(?<value>.*)""\.$", RegexOptions.Singleline)]
    private static partial Regex BadParameter();

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }
        var (field, message) = badRequest.InnerException is JsonException json
            ? Describe(json)
            : BadParameter().Match(badRequest.Message) is { Success: true } parameter
                ? (parameter.Groups["name"].Value, $"'{parameter.Groups["value"].Value}' is not {Friendly(parameter.Groups["type"].Value)}")
                : ("body", badRequest.StatusCode == StatusCodes.Status415UnsupportedMediaType
                    ? "must be JSON, sent with Content-Type: application/json"
                    : badRequest.Message);
        context.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = badRequest.StatusCode,
                Title = "The request could not be read.",
            },
        });
    }

    private static (string Field, string Message) Describe(JsonException json)
    {
        var path = FieldPath(json.Path);
        if (UnknownProperty().Match(json.Message) is { Success: true } unknown)
        {
            var name = unknown.Groups["name"].Value;
            var field = path.Length == 0 ? name : path.EndsWith(name, StringComparison.Ordinal) ? path : $"{path}.{name}";
            return (field, "is not a known field (check its spelling)");
        }
        if (WrongType().Match(json.Message) is { Success: true } wrong)
        {
            return (path.Length == 0 ? "body" : path, $"must be {Friendly(wrong.Groups["type"].Value)}");
        }
        // Our own converters (durations) explain themselves; the parser's messages name a position.
        var message = json.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0];
        return (path.Length == 0 ? "body" : path, message.Length == 0 ? "is not valid JSON" : message);
    }

    private static string FieldPath(string? jsonPath) =>
        (jsonPath ?? "$").TrimStart('$').TrimStart('.').Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal);

    private static string Friendly(string type) => type switch
    {
        _ when type.Contains("Guid", StringComparison.Ordinal) => "an id (a UUID)",
        _ when type.Contains("int", StringComparison.OrdinalIgnoreCase) || type.Contains("long", StringComparison.OrdinalIgnoreCase) => "a whole number",
        _ when type.Contains("DateTime", StringComparison.Ordinal) => "an ISO 8601 instant",
        _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "a whole number",
        _ when type.Contains("Double", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) => "a number",
        _ when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ when type.Contains("Dictionary", StringComparison.Ordinal) => "an object of string values",
        _ when type.Contains("String", StringComparison.Ordinal) => "a string",
        _ => "an object of the documented shape",
    };
}
