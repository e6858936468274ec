using System.CommandLine;
using System.Text.Json.Nodes;
using Scheduler.Cli.Http;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Contexts;

/// <summary><c>login</c> and <c>context list|use|delete</c>: the servers and keys the CLI knows, by name.</summary>
public static class ContextCommands
{
    public static IEnumerable<Command> Create()
    {
        var url = new Option<string>("--url") { Description = "The API's address, e.g. http://localhost:8080", Required = true };
        var key = new Option<string?>("--key")
        {
            Description = "The API key (default: read from SCHEDULEMAN_API_KEY, or one line from stdin with --key -)",
        };
        var name = new Option<string>("--name") { Description = "The context's name", DefaultValueFactory = _ => "default" };
        var login = new Command("login", "Check a server and key, and store them as a context (the current one from now on)") { url, key, name };
        login.WithAction(async (invocation, cancellationToken) =>
        {
            var secret = invocation.Get(key) switch
            {
                "-" => (await Console.In.ReadLineAsync(cancellationToken))?.Trim(),
                null => Environment.GetEnvironmentVariable("SCHEDULEMAN_API_KEY"),
                var given => given,
            };
            if (string.IsNullOrEmpty(secret))
            {
                throw new CliException(ExitCodes.Usage, "no key: pass --key KEY, --key - (stdin) or set SCHEDULEMAN_API_KEY");
            }
            var context = new CliContext(invocation.Get(url)!.TrimEnd('/'), secret);
            using (var client = new ApiClient(context))
            {
                // Any read proves the address and the key; a wrong key is a 401 here, not on the first real command.
                await client.SendAsync("ListSchedules", query: [new("limit", "1")], cancellationToken: cancellationToken);
            }
            var config = CliConfig.Load();
            var contextName = invocation.Get(name)!;
            config.Contexts[contextName] = context;
            config.Current = contextName;
            config.Save();
            invocation.Terminal.Note($"Logged in to {context.Url} as context '{contextName}' (stored in {CliConfig.FilePath}).");
            return ExitCodes.Ok;
        });

        var list = new Command("list", "The stored contexts (keys are not shown)");
        list.WithAction((invocation, _) =>
        {
            var config = CliConfig.Load();
            var items = config.Contexts.Select(c => new JsonObject
            {
                ["name"] = c.Key,
                ["url"] = c.Value.Url,
                ["current"] = c.Key == config.Current,
            }).ToList();
            invocation.Terminal.List(items,
            [
                new Column("CURRENT", o => o["current"]!.GetValue<bool>() ? "*" : ""),
                new Column("NAME", o => Terminal.Text(o["name"])),
                new Column("URL", o => Terminal.Text(o["url"])),
            ]);
            return Task.FromResult(ExitCodes.Ok);
        });
        var contextName = new Argument<string>("name") { Description = "A stored context" };
        var use = new Command("use", "Make a stored context the current one") { contextName };
        use.WithAction((invocation, _) =>
        {
            var config = CliConfig.Load();
            var chosen = invocation.Get(contextName)!;
            if (!config.Contexts.TryGetValue(chosen, out var context))
            {
                throw new CliException(ExitCodes.NotFound, $"there is no context named '{chosen}'");
            }
            config.Current = chosen;
            config.Save();
            invocation.Terminal.Note($"Using context '{chosen}' ({context.Url}).");
            return Task.FromResult(ExitCodes.Ok);
        });
        var delete = new Command("delete", "Forget a stored context and its key") { contextName };
        delete.WithAction((invocation, _) =>
        {
            var config = CliConfig.Load();
            var chosen = invocation.Get(contextName)!;
            if (!config.Contexts.Remove(chosen))
            {
                throw new CliException(ExitCodes.NotFound, $"there is no context named '{chosen}'");
            }
            if (config.Current == chosen)
            {
                config.Current = null;
            }
            config.Save();
            invocation.Terminal.Note($"Deleted context '{chosen}'.");
            return Task.FromResult(ExitCodes.Ok);
        });
        return [login, new Command("context", "The stored servers and keys: list, use, delete") { list, use, delete }];
    }
}
