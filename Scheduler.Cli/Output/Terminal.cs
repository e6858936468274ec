using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Scheduler.Cli.Output;

public enum OutputFormat
{
    Table,
    Json,
    Yaml,
}

/// <summary>A table column: its header and how a row's value is read from an API object.</summary>
/// <param name="StatusOf">The response schema whose status the column shows (<see cref="Statuses"/>): coloured by its meaning.</param>
public sealed record Column(string Header, Func<JsonObject, string?> Value, string? StatusOf = null);

/// <summary>
/// Where output goes: results on stdout (tables for people; JSON and YAML, exactly the API's objects, for scripts), messages and
/// errors on stderr, so that <c>scheduleman get schedules -o json | jq</c> never sees a progress line.
/// </summary>
public sealed class Terminal
{
    private const int Unwrapped = 100_000;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public Terminal(OutputFormat format)
    {
        Format = format;
        Out = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        Error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        // Piped output is read in logs and by tools: never wrapped (a long error stays one line a grep finds), instead of 80 columns.
        if (Console.IsOutputRedirected)
        {
            Out.Profile.Width = Unwrapped;
        }
        if (Console.IsErrorRedirected)
        {
            Error.Profile.Width = Unwrapped;
        }
    }

    public OutputFormat Format { get; }

    public IAnsiConsole Out { get; }

    public IAnsiConsole Error { get; }

    /// <summary>Whether a person is watching (progress bars); not when stderr is a pipe or a CI log.</summary>
    public bool Interactive => !Console.IsErrorRedirected && Error.Profile.Capabilities.Interactive;

    public void Note(string message) => Error.MarkupLineInterpolated($"[grey]{message}[/]");

    public void Line(string text) => Out.Profile.Out.Writer.WriteLine(text);

    /// <summary>A value as JSON or YAML (in table format, as YAML: readable, and every field shows).</summary>
    public void Value(JsonNode? value)
    {
        if (Format == OutputFormat.Json)
        {
            Line(value?.ToJsonString(Indented) ?? "null");
        }
        else
        {
            Out.Profile.Out.Writer.Write(YamlJson.Write([value]));
        }
    }

    public void List(IReadOnlyList<JsonObject> items, IReadOnlyList<Column> columns, string? nextCursor = null)
    {
        if (Format != OutputFormat.Table)
        {
            Value(new JsonArray([.. items.Select(i => (JsonNode)i.DeepClone())]));
            return;
        }
        if (items.Count == 0)
        {
            Note("(none)");
            return;
        }
        var table = new Table { Border = TableBorder.Simple };
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column.Header)).NoWrap());
        }
        foreach (var item in items)
        {
            table.AddRow([.. columns.Select(c => c.Value(item) is { } value
                ? new Text(value, c.StatusOf is { } schema ? new Style(Statuses.Of(schema, value).Colour) : Style.Plain)
                : new Text("-"))]);
        }
        WriteTrimmed(table);
        if (nextCursor is not null)
        {
            Note($"more: add --cursor {nextCursor}");
        }
    }

    /// <summary>A table without the spaces that pad each line to the table's width (they end up in logs, diffs and copied text).</summary>
    private void WriteTrimmed(Table table)
    {
        using var buffer = new StringWriter();
        var rendering = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(buffer),
            Ansi = Out.Profile.Capabilities.Ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = (ColorSystemSupport)Out.Profile.Capabilities.ColorSystem,
        });
        rendering.Profile.Width = Out.Profile.Width;
        rendering.Write(table);
        var writer = Out.Profile.Out.Writer;
        foreach (var line in buffer.ToString().TrimEnd('\n').Split('\n'))
        {
            writer.WriteLine(line.TrimEnd());
        }
    }

    /// <summary>Reads a string, number or boolean field for a table cell.</summary>
    public static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value => value.ToJsonString(),
        _ => node.ToJsonString(),
    };

    /// <summary>An instant as people read it in a table: UTC, to the second.</summary>
    public static string? When(JsonNode? node) =>
        Text(node) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
            ? instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : Text(node);
}
