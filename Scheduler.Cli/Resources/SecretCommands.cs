using System.CommandLine;
using System.Text.Json.Nodes;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Resources;

/// <summary>
/// What YAML does not carry: a named secret's value (<c>secret set</c>: create or rotate) and API keys (<c>api-key create</c>).
/// Values are read from stdin or a file, never from the command line, so they stay out of shell histories and process lists.
/// </summary>
public static class SecretCommands
{
    public static IEnumerable<Command> Create() => [Secret(), ApiKey()];

    private static Command Secret()
    {
        var name = new Argument<string>("name") { Description = "The secret's name, as targets' headers name it: {{ secrets.name }}" };
        var fromFile = new Option<FileInfo?>("--from-file") { Description = "Read the value from this file (default: stdin, one line)" };
        var description = new Option<string?>("--description") { Description = "What it is for (shown in listings)" };
        var set = new Command("set", "Create a named secret, or rotate its value if it exists (the value is read from stdin or --from-file)") { name, fromFile, description };
        set.WithAction(async (invocation, cancellationToken) =>
        {
            var value = invocation.Get(fromFile) is { } file
                ? (await File.ReadAllTextAsync(file.FullName, cancellationToken)).TrimEnd('\r', '\n')
                : (await Console.In.ReadLineAsync(cancellationToken))?.TrimEnd('\r');
            if (string.IsNullOrEmpty(value))
            {
                throw new CliException(ExitCodes.Usage, "no value: pipe it in (printf %s \"$TOKEN\" | scheduleman secret set NAME) or pass --from-file");
            }
            var secretName = invocation.Get(name)!;
            var body = new JsonObject { ["name"] = secretName, ["value"] = value };
            if (invocation.Get(description) is { } text)
            {
                body["description"] = text;
            }
            JsonNode? result;
            try
            {
                var (existing, etag) = await ResourceKind.Secret.FindAsync(invocation.Client, secretName, cancellationToken);
                result = (await invocation.Client.SendAsync("ReplaceSecret", ResourceKind.Route(Terminal.Text(existing["id"])!), body: body, ifMatch: etag,
                    cancellationToken: cancellationToken)).Body;
                invocation.Terminal.Note($"Rotated secret {secretName}.");
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.NotFound)
            {
                result = (await invocation.Client.SendAsync("CreateSecret", body: body, cancellationToken: cancellationToken)).Body;
                invocation.Terminal.Note($"Created secret {secretName}.");
            }
            ResourceCommands.Show(invocation, ResourceKind.Secret, result);
            return ExitCodes.Ok;
        });
        return new Command("secret", "Named secrets: set (create or rotate); get, describe and delete them as other kinds") { set };
    }

    private static Command ApiKey()
    {
        var name = new Option<string>("--name") { Description = "What the key is for (shown in listings)", Required = true };
        var scope = new Option<string>("--scope") { Description = "read, write or admin", DefaultValueFactory = _ => "read" };
        scope.AcceptOnlyFromAmong("read", "write", "admin");
        var create = new Command("create", "Create an API key of this tenant (admin scope); the key alone goes to stdout, shown this once") { name, scope };
        create.WithAction(async (invocation, cancellationToken) =>
        {
            var result = (await invocation.Client.SendAsync("CreateApiKey", body: new JsonObject { ["name"] = invocation.Get(name), ["scope"] = invocation.Get(scope) },
                cancellationToken: cancellationToken)).Body!;
            if (invocation.Terminal.Format == OutputFormat.Table)
            {
                invocation.Terminal.Note($"Created {Terminal.Text(result["scope"])} key '{Terminal.Text(result["name"])}' ({Terminal.Text(result["id"])}); it is shown only this once:");
                invocation.Terminal.Line(Terminal.Text(result["key"])!);
            }
            else
            {
                invocation.Terminal.Value(result);
            }
            return ExitCodes.Ok;
        });
        return new Command("api-key", "API keys: create; list with 'get api-keys', revoke with 'delete api-key ID'") { create };
    }
}
