using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Common.Validation;

namespace Scheduler.Crud.Api.Http;

/// <summary>The API's RFC 7807 answers, worded once.</summary>
internal static class Problems
{
    public static ValidationProblem Invalid(ValidationErrors errors, string title = "The request is invalid.") =>
        TypedResults.ValidationProblem(errors.ToDictionary(), title: title);

    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is invalid.");

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No such {what}.", detail: $"There is no {what} with this id.");

    public static ProblemHttpResult NameTaken(string name, string what = "schedule") =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"A {what} with this name exists.",
            detail: $"name: a {what} named '{name}' already exists; choose another name or delete it first.");

    public static ProblemHttpResult VersionMismatch(int current, string what = "schedule") =>
        TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: $"The {what} changed since you read it.",
            detail: $"If-Match does not name the current version (ETag {Versions.ETag(current)}); read it again and reapply your change.");

    public static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);
}
