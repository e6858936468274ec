using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Scheduler.Cli.Output;

/// <summary>
/// YAML ⇄ JSON by the YAML 1.2 core schema: a plain <c>5</c> is a number, <c>true</c> a boolean, <c>null</c> or <c>~</c>
/// nothing, anything quoted a string. Reading keeps where each value was written (for errors that name the line).
/// </summary>
public static partial class YamlJson
{
    /// <summary>Bound on the values one document may expand to (aliases can multiply a small file).</summary>
    public const int MaxNodes = 100_000;

    private const string StringTag = "tag:yaml.org,2002:str";

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    /// <summary>
    /// Plain text that YAML 1.1 tools (PyYAML, Ruby, many linters) read as something else though 1.2 reads a string: dates and
    /// times (<c>2026-01-01</c>, <c>09:30</c> as a base-60 number), octal and base-60 numbers, <c>yes</c>/<c>no</c>/<c>on</c>/<c>off</c>;
    /// and crons (<c>0 0 17 * * *</c>), which start with a digit. Written quoted, so that every reader agrees.
    /// </summary>
    [GeneratedRegex("^(?:[-+.]?[0-9]|(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$)")]
    private static partial Regex Yaml11Ambiguous();

    /// <summary>The JSON of <paramref name="node"/>; <paramref name="marks"/> gets each value's position by path (<c>target.url</c>, <c>steps[1].id</c>).</summary>
    public static JsonNode? ToJson(YamlNode node, Dictionary<string, Mark> marks, string path = "")
    {
        var budget = MaxNodes;
        return Convert(node, marks, path, ref budget);
    }

    private static JsonNode? Convert(YamlNode node, Dictionary<string, Mark> marks, string path, ref int budget)
    {
        if (--budget < 0)
        {
            throw new YamlException(node.Start, node.End, $"the document expands to more than {MaxNodes} values");
        }
        marks.TryAdd(path, node.Start);
        switch (node)
        {
            case YamlMappingNode mapping:
                var result = new JsonObject();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key })
                    {
                        throw new YamlException(keyNode.Start, keyNode.End, "keys must be plain strings");
                    }
                    if (result.ContainsKey(key))
                    {
                        throw new YamlException(keyNode.Start, keyNode.End, $"'{key}' is given twice");
                    }
                    var child = path.Length == 0 ? key : $"{path}.{key}";
                    marks.TryAdd(child, keyNode.Start);
                    result[key] = Convert(valueNode, marks, child, ref budget);
                }
                return result;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    array.Add(Convert(item, marks, $"{path}[{index++}]", ref budget));
                }
                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new YamlException(node.Start, node.End, "unsupported YAML node");
        }
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any) || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == StringTag))
        {
            return JsonValue.Create(value);
        }
        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when Integer().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            _ when Float().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) => JsonValue.Create(real),
            _ => JsonValue.Create(value),
        };
    }

    /// <summary><paramref name="node"/> as a YAML node: strings that would read back as something else are quoted.</summary>
    public static YamlNode ToYaml(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return new YamlScalarNode("null") { Style = ScalarStyle.Plain };
            case JsonObject obj:
                var mapping = new YamlMappingNode();
                foreach (var (key, value) in obj)
                {
                    mapping.Add(new YamlScalarNode(key), ToYaml(value));
                }
                return mapping;
            case JsonArray array:
                var sequence = new YamlSequenceNode();
                foreach (var item in array)
                {
                    sequence.Add(ToYaml(item));
                }
                return sequence;
            default:
                if (node.GetValueKind() != JsonValueKind.String)
                {
                    return new YamlScalarNode(node.ToJsonString()) { Style = ScalarStyle.Plain };
                }
                var text = node.GetValue<string>();
                var style = text.Contains('\n', StringComparison.Ordinal) ? ScalarStyle.Literal
                    : Scalar(new YamlScalarNode(text) { Style = ScalarStyle.Plain }) is JsonValue v && v.GetValueKind() == JsonValueKind.String && text.Trim() == text &&
                        !Yaml11Ambiguous().IsMatch(text)
                        ? ScalarStyle.Any
                        : ScalarStyle.DoubleQuoted;
                return new YamlScalarNode(text) { Style = style };
        }
    }

    /// <summary>One or more documents as YAML text (<c>---</c> between them).</summary>
    public static string Write(IEnumerable<JsonNode?> documents)
    {
        var stream = new YamlStream(documents.Select(d => new YamlDocument(ToYaml(d))));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // YamlDotNet ends each document with "...": valid, but unusual in files people edit.
        return text.Replace("\n...\n", "\n", StringComparison.Ordinal);
    }
}
