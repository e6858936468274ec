using System.CommandLine;
using System.CommandLine.Completions;
using Scheduler.Cli.Contexts;
using Scheduler.Cli.Http;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Resources;

/// <summary>What the shell is offered after a command: the kinds where a kind goes, and the server's names where a name goes.</summary>
public static class Completions
{
    // A completion blocks the shell: a server that does not answer quickly gets no say.
    private static readonly TimeSpan NamesTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Offers <paramref name="kinds"/> only while the kind is being typed (System.CommandLine offered them at the name too).</summary>
    public static void OfferKinds(Argument<string> kind, IReadOnlyList<string> kinds)
    {
        kind.CompletionSources.Clear();
        kind.CompletionSources.Add(context => Typing(context, kind) ? kinds.Where(k => k.StartsWith(context.WordToComplete, StringComparison.OrdinalIgnoreCase)).Select(k => new CompletionItem(k)) : []);
    }

    /// <summary>Offers the names of the objects of the kind given before (the first page of the list, from the configured server).</summary>
    public static void OfferNames(Argument<string> name, Argument<string> kind)
    {
        name.CompletionSources.Add(context =>
        {
            if (Typing(context, kind) || ResourceKind.TryFind(context.ParseResult.GetValue(kind) ?? "") is not { Named: true } resource)
            {
                return [];
            }
            try
            {
                using var client = new ApiClient(CliConfig.Load().Resolve(context.ParseResult.GetValue(CliCommand.Context)));
                using var timeout = new CancellationTokenSource(NamesTimeout);
                var page = client.SendAsync(resource.ListOperation, query: [new("limit", "500")], cancellationToken: timeout.Token).GetAwaiter().GetResult().Body;
                var items = page as System.Text.Json.Nodes.JsonArray ?? page?["items"]?.AsArray() ?? [];
                return [.. items.Select(i => Terminal.Text(i?["name"])).OfType<string>()
                    .Where(n => n.StartsWith(context.WordToComplete, StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(n => new CompletionItem(n))];
            }
            catch (Exception e) when (e is CliException or OperationCanceledException or HttpRequestException or InvalidOperationException)
            {
                return []; // no server, no key, no answer: nothing to offer, never an error in the shell
            }
        });
    }

    /// <summary>Whether the word being completed is the kind itself (nothing given for it yet, or it is what is typed now).</summary>
    private static bool Typing(CompletionContext context, Argument<string> kind) =>
        context.ParseResult.GetResult(kind)?.Tokens is not { Count: > 0 } tokens || tokens[0].Value == context.WordToComplete;
}
