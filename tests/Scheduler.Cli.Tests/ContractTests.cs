using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Scheduler.Cli.Http;
using Scheduler.Cli.Manifests;
using Scheduler.Testing;

namespace Scheduler.Cli.Tests;

/// <summary>The CLI is written against the API's OpenAPI document: everything it names is in it, and every answer it lists is handled.</summary>
public sealed partial class ContractTests
{
    private static readonly string Root = PostgresServer.RepositoryRoot();

    [GeneratedRegex("\"([A-Z][a-z]+(?:[A-Z][a-z]+)+)\"")]
    private static partial Regex PascalCaseLiteral();

    [Fact]
    public void Every_status_the_document_lists_for_any_operation_is_one_the_cli_handles()
    {
        var unhandled = ApiContract.Embedded.Operations
            .SelectMany(o => o.Statuses.Where(s => !ApiClient.Handled.Contains(s)).Select(s => $"{o.Id}: {s}"))
            .ToList();
        Assert.True(unhandled.Count == 0, "statuses the CLI does not handle: " + string.Join(", ", unhandled));
    }

    [Fact]
    public void Every_status_the_document_lists_for_a_resource_is_one_the_cli_gives_a_meaning()
    {
        foreach (var (schema, (_, values)) in Output.Statuses.Known)
        {
            var listed = Output.Statuses.Listed(schema);
            Assert.True(listed.Count > 0, $"{schema}: the document lists no values for its status (an enum): regenerate docs/openapi.json");
            Assert.Equal(listed.Order(StringComparer.Ordinal), values.Keys.Order(StringComparer.Ordinal));
        }
        // Each status field of a response the CLI shows is in the table (a new resource with a status cannot be forgotten).
        var withStatus = ApiContract.Embedded.Document["components"]!["schemas"]!.AsObject()
            .Where(s => s.Key.EndsWith("Response", StringComparison.Ordinal) &&
                (s.Value!["properties"]?["status"]?["enum"] is not null || s.Value!["properties"]?["state"]?["enum"] is not null))
            .Select(s => s.Key).Order(StringComparer.Ordinal);
        Assert.Equal(withStatus, Output.Statuses.Known.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_operation_and_schema_the_cli_names_is_in_the_document()
    {
        var document = ApiContract.Embedded.Document;
        var operations = ApiContract.Embedded.Operations.Select(o => o.Id).ToHashSet();
        var schemas = document["components"]!["schemas"]!.AsObject().Select(s => s.Key).ToHashSet();
        var named = Directory.EnumerateFiles(Path.Combine(Root, "Scheduler.Cli"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(File.ReadLines)
            .Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal))
            .SelectMany(line => PascalCaseLiteral().Matches(line).Select(m => m.Groups[1].Value))
            .ToHashSet();
        Assert.True(named.Count > 40, $"only {named.Count} names found: the scan is broken");
        var unknown = named.Where(n => !operations.Contains(n) && !schemas.Contains(n)).Order().ToList();
        Assert.True(unknown.Count == 0, "named by the CLI but not in docs/openapi.json: " + string.Join(", ", unknown));
    }

    [Fact]
    public void The_embedded_document_is_the_committed_one()
    {
        var committed = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "docs", "openapi.json")));
        Assert.True(JsonNode.DeepEquals(committed, ApiContract.Embedded.Document), "rebuild the CLI: it embeds docs/openapi.json at build time");
    }

    [Fact]
    public void The_published_yaml_schema_is_the_one_the_cli_generates()
    {
        var path = Path.Combine(Root, "docs", "cli", "scheduleman.schema.json");
        var generated = ManifestSchema.Generate().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
        if (Environment.GetEnvironmentVariable("UPDATE_SCHEMA") == "1")
        {
            File.WriteAllText(path, generated);
        }
        Assert.True(generated == File.ReadAllText(path),
            "docs/cli/scheduleman.schema.json is out of date with the API's document; regenerate it: UPDATE_SCHEMA=1 dotnet test tests/Scheduler.Cli.Tests --filter ContractTests");
    }

    [Fact]
    public void The_example_directory_reads_without_a_problem()
    {
        var documents = ManifestReader.Read([Path.Combine(Root, "docs", "cli", "example")]);
        Assert.Equal(["Calendar uk-business", "Outage datacentre-move-2027", "Schedule month-end-report", "Schedule nightly-etl", "Workflow nightly-etl"],
            documents.Select(d => $"{d.Kind.ManifestKind} {d.Name}").Order());
    }
}
