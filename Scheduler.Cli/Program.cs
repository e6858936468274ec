using System.CommandLine;
using Scheduler.Cli;
using Scheduler.Cli.Contexts;
using Scheduler.Cli.Manifests;
using Scheduler.Cli.Output;
using Scheduler.Cli.Resources;

var root = new RootCommand("scheduleman: the command line of Scheduleman. Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 conflict, 5 denied, 6 unreachable, 7 invalid, 8 changes (diff --exit-code)")
{
    CliCommand.Context,
    CliCommand.Output,
};
foreach (var command in ContextCommands.Create().Concat(ResourceCommands.Create()).Concat(JobCommands.Create()).Concat(SecretCommands.Create()).Concat(ManifestCommands.Create()).Append(Completion()))
{
    root.Subcommands.Add(command);
}

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && parsed.Action is System.CommandLine.Invocation.ParseErrorAction)
{
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"error: {error.Message}");
    }
    Console.Error.WriteLine("See 'scheduleman --help'.");
    return ExitCodes.Usage;
}
return await parsed.InvokeAsync();

// Shell completion through System.CommandLine's [suggest] directive: the shell asks the CLI itself what may come next.
static Command Completion()
{
    var shell = new Argument<string>("shell") { Description = "bash or zsh" };
    shell.AcceptOnlyFromAmong("bash", "zsh");
    var command = new Command("completion", "Print a shell completion script: source <(scheduleman completion bash)") { shell };
    command.WithAction((invocation, _) =>
    {
        var script = invocation.Get(shell) == "bash"
            ? """
              _scheduleman_complete() {
                local IFS=$'\n'
                COMPREPLY=($(scheduleman "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null))
              }
              complete -o default -F _scheduleman_complete scheduleman
              """
            : """
              #compdef scheduleman
              _scheduleman() {
                local -a items
                items=("${(@f)$(scheduleman "[suggest:${#BUFFER}]" "$BUFFER" 2>/dev/null)}")
                compadd -a items
              }
              compdef _scheduleman scheduleman
              """;
        invocation.Terminal.Line(script);
        return Task.FromResult(ExitCodes.Ok);
    });
    return command;
}
