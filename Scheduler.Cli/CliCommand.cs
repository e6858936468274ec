using System.CommandLine;
using Scheduler.Cli.Contexts;
using Scheduler.Cli.Http;
using Scheduler.Cli.Output;
using Spectre.Console;

namespace Scheduler.Cli;

/// <summary>What every command gets: the output, and the API client of the chosen context (made when first used).</summary>
public sealed class Invocation(ParseResult parse, Terminal terminal) : IDisposable
{
    private ApiClient? _client;

    public ParseResult Parse { get; } = parse;

    public Terminal Terminal { get; } = terminal;

    public ApiClient Client => _client ??= new ApiClient(CliConfig.Load().Resolve(Parse.GetValue(CliCommand.Context)));

    public T? Get<T>(Option<T> option) => Parse.GetValue(option);

    public T? Get<T>(Argument<T> argument) => Parse.GetValue(argument);

    public void Dispose() => _client?.Dispose();
}

/// <summary>The options every command takes, and the one way a command runs: its failures become a message and an exit code.</summary>
public static class CliCommand
{
    public static readonly Option<string?> Context = new("--context") { Description = "The stored context to use (see 'scheduleman context list')", Recursive = true };

    public static readonly Option<OutputFormat> Output = new("--output", "-o")
    {
        Description = "table (for people), json or yaml (the API's objects, for scripts)",
        DefaultValueFactory = _ => OutputFormat.Table,
        Recursive = true,
    };

    public static Command WithAction(this Command command, Func<Invocation, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var invocation = new Invocation(parse, new Terminal(parse.GetValue(Output)));
            try
            {
                return await action(invocation, cancellationToken);
            }
            catch (CliException e)
            {
                Report(invocation.Terminal, e.Message, e.Details);
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Report(invocation.Terminal, "interrupted", []);
                return 130;
            }
            catch (Exception e) when (Environment.GetEnvironmentVariable("SCHEDULEMAN_DEBUG") is null)
            {
                // A bug, not a user's mistake: said in one line (SCHEDULEMAN_DEBUG=1 shows the stack).
                Report(invocation.Terminal, $"unexpected {e.GetType().Name}: {e.Message}", []);
                return ExitCodes.Error;
            }
        });
        return command;
    }

    public static void Report(Terminal terminal, string message, IReadOnlyList<string> details)
    {
        terminal.Error.MarkupLineInterpolated($"[red]error:[/] {message}");
        foreach (var detail in details)
        {
            terminal.Error.MarkupLineInterpolated($"  {detail}");
        }
    }
}
