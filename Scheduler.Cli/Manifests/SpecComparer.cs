using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Cli.Http;
using Scheduler.Cli.Output;
using Scheduler.Cli.Resources;
using Scheduler.Common.Time;

namespace Scheduler.Cli.Manifests;

/// <summary>One field that differs: its path in the spec (<c>target.url</c>), what the server has and what the files say.</summary>
public sealed record FieldChange(string Path, JsonNode? Before, JsonNode? After);

/// <summary>
/// Compares what the files declare with what the server has, field by field, in the files' terms: the server's object is cut
/// down to its kind's request shape (from the API's document), a field left out of a file equals the server's default for it,
/// <c>PT30M</c> equals <c>30m</c>, instants compare as instants, and a secret the server shows as <c>***</c> is never a change.
/// </summary>
public static class SpecComparer
{
    public const string Redacted = "***";

    // What the server fills in for a field a request leaves out (as its responses show it). '*' matches any key or index.
    private static readonly Dictionary<string, (string Pattern, JsonNode Value)[]> Defaults = new(StringComparer.Ordinal)
    {
        ["schedule"] =
        [
            ("timeZone", "UTC"), ("catchUp", "latest"), ("nonBusinessDay", "skip"), ("maxAttempts", 5), ("target.method", "POST"), ("target.timeout", "PT3S"),
            ("completion.overlap", "allow"), ("completion.runTimeout", "PT1H"), ("parameters.*.type", "string"),
        ],
        ["workflow"] =
        [
            ("maxActiveRuns", 16), ("steps[*].target.method", "POST"), ("steps[*].target.timeout", "PT3S"), ("steps[*].triggerRule", "allSuccess"),
            ("steps[*].maxAttempts", 3), ("steps[*].completion.runTimeout", "PT1H"), ("parameters.*.type", "string"),
        ],
        ["calendar"] = [("weekendDays", new JsonArray("saturday", "sunday"))],
        ["outage"] = [],
    };

    /// <summary>The server's object as a spec: only the fields its request schema has, in the schema's order.</summary>
    public static JsonObject Project(ResourceKind kind, JsonObject current, ApiContract? contract = null)
    {
        var spec = new JsonObject();
        foreach (var property in (contract ?? ApiContract.Embedded).Properties(kind.RequestSchema!))
        {
            if (property != "name" && current[property] is { } value)
            {
                spec[property] = value.DeepClone();
            }
        }
        if (kind == ResourceKind.Schedule)
        {
            switch (Terminal.Text(current["kind"]))
            {
                case "manual":
                    spec["manual"] = true;
                    break;
                case "delay":
                    spec.Remove("runAt"); // the instant the delay came to; the spec is the delay
                    break;
            }
            if (Terminal.Text(spec["state"]) != "paused")
            {
                spec.Remove("state"); // active and completed are the server's to say
            }
        }
        return spec;
    }

    /// <summary>The fields where <paramref name="desired"/> and <paramref name="current"/> (a projected spec) differ.</summary>
    public static IReadOnlyList<FieldChange> Compare(ResourceKind kind, JsonObject desired, JsonObject current)
    {
        var changes = new List<FieldChange>();
        var defaults = Defaults[kind.Name];
        foreach (var key in desired.Select(p => p.Key).Union(current.Select(p => p.Key)))
        {
            // A schedule's state is managed only where a file says it: a pause from the UI survives the next apply.
            if (kind == ResourceKind.Schedule && key == "state" && !desired.ContainsKey(key))
            {
                continue;
            }
            Compare(key, desired[key], desired.ContainsKey(key), current[key], current.ContainsKey(key), defaults, changes);
        }
        return changes;
    }

    /// <summary>A projected spec without what equals the server's defaults: the shortest file that declares the same object.</summary>
    public static JsonObject Minimal(ResourceKind kind, JsonObject spec)
    {
        var result = (JsonObject)spec.DeepClone();
        Prune(result, "", Defaults[kind.Name]);
        return result;
    }

    private static void Prune(JsonObject node, string path, (string Pattern, JsonNode Value)[] defaults)
    {
        foreach (var (key, value) in node.ToList())
        {
            var child = path.Length == 0 ? key : $"{path}.{key}";
            if (value is JsonObject obj)
            {
                Prune(obj, child, defaults);
            }
            else if (value is JsonArray array)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonObject item)
                    {
                        Prune(item, $"{child}[{i}]", defaults);
                    }
                }
            }
            if (IsEmpty(node[key]) || (Default(child, defaults) is { } fallback && Equal(child, fallback, node[key], defaults)))
            {
                node.Remove(key);
            }
        }
    }

    private static void Compare(string path, JsonNode? desired, bool inDesired, JsonNode? current, bool inCurrent,
        (string Pattern, JsonNode Value)[] defaults, List<FieldChange> changes)
    {
        var fallback = Default(path, defaults);
        var want = inDesired && desired is not null ? desired : fallback;
        var have = inCurrent && current is not null ? current : fallback;
        // An object left out is an object of defaults: compared field by field, as is a list of the same length.
        if (want is JsonObject or null && have is JsonObject or null && (want ?? have) is JsonObject)
        {
            var a = want as JsonObject ?? [];
            var b = have as JsonObject ?? [];
            foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)))
            {
                Compare($"{path}.{key}", a[key], a.ContainsKey(key), b[key], b.ContainsKey(key), defaults, changes);
            }
            return;
        }
        // A calendar's holidays are a set of dates: each date added or removed is a change of its own (a year of public holidays
        // was one line of JSON that nobody could read), and a renamed one is its name's change.
        if (path == "holidays" && want is JsonArray wanted && have is JsonArray had)
        {
            static Dictionary<string, JsonObject> ByDate(JsonArray holidays) => holidays.OfType<JsonObject>()
                .GroupBy(h => Terminal.Text(h["date"]) ?? "", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
            var before = ByDate(had);
            var after = ByDate(wanted);
            foreach (var date in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
            {
                if (before.TryGetValue(date, out var old) && after.TryGetValue(date, out var @new))
                {
                    Compare($"{path}[{date}]", @new, true, old, true, defaults, changes);
                }
                else
                {
                    changes.Add(new FieldChange($"{path}[{date}]", old?.DeepClone(), after.GetValueOrDefault(date)?.DeepClone()));
                }
            }
            return;
        }
        if (want is JsonArray x && have is JsonArray y && x.Count == y.Count)
        {
            for (var i = 0; i < x.Count; i++)
            {
                Compare($"{path}[{i}]", x[i], true, y[i], true, defaults, changes);
            }
            return;
        }
        if (!Equal(path, want, have, defaults))
        {
            changes.Add(new FieldChange(path, current?.DeepClone(), desired?.DeepClone()));
        }
    }

    private static bool Equal(string path, JsonNode? a, JsonNode? b, (string Pattern, JsonNode Value)[] defaults)
    {
        if ((a, b) is (null, JsonObject) or (JsonObject, null))
        {
            return Equal(path, a ?? new JsonObject(), b ?? new JsonObject(), defaults);
        }
        if (IsEmpty(a) || IsEmpty(b))
        {
            return IsEmpty(a) && IsEmpty(b);
        }
        switch (a, b)
        {
            case (JsonObject x, JsonObject y):
                return x.Select(p => p.Key).Union(y.Select(p => p.Key)).All(key =>
                    Equal($"{path}.{key}", x[key] ?? Default($"{path}.{key}", defaults), y[key] ?? Default($"{path}.{key}", defaults), defaults));
            case (JsonArray x, JsonArray y):
                return x.Count == y.Count && x.Select((item, i) => Equal($"{path}[{i}]", item, y[i], defaults)).All(same => same);
            case (JsonValue x, JsonValue y):
                return Same(x, y);
            default:
                return false;
        }
    }

    private static bool Same(JsonValue a, JsonValue b)
    {
        JsonValueKind x = a.GetValueKind(), y = b.GetValueKind();
        if (x == JsonValueKind.String && y == JsonValueKind.String)
        {
            string s = a.GetValue<string>(), t = b.GetValue<string>();
            if (s == t || s == Redacted || t == Redacted)
            {
                return true;
            }
            if (Durations.TryParse(s, out var d1, out _) && Durations.TryParse(t, out var d2, out _))
            {
                return d1 == d2;
            }
            return s.Contains('T', StringComparison.Ordinal) && t.Contains('T', StringComparison.Ordinal) &&
                DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var i1) &&
                DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.None, out var i2) && i1 == i2;
        }
        // Numbers compare by value (5 = 5.0), and the API reads numbers sent as strings ("5") as numbers.
        if (x is JsonValueKind.Number or JsonValueKind.String && y is JsonValueKind.Number or JsonValueKind.String)
        {
            return decimal.TryParse(Terminal.Text(a), NumberStyles.Number, CultureInfo.InvariantCulture, out var n1) &&
                decimal.TryParse(Terminal.Text(b), NumberStyles.Number, CultureInfo.InvariantCulture, out var n2) && n1 == n2;
        }
        return JsonNode.DeepEquals(a, b);
    }

    /// <summary>Nothing, an empty list or map, or false: what a file that leaves the field out means.</summary>
    private static bool IsEmpty(JsonNode? node) => node switch
    {
        null => true,
        JsonObject o => o.Count == 0,
        JsonArray a => a.Count == 0,
        JsonValue v => v.GetValueKind() == JsonValueKind.False,
        _ => false,
    };

    private static JsonNode? Default(string path, (string Pattern, JsonNode Value)[] defaults)
    {
        var generic = System.Text.RegularExpressions.Regex.Replace(path, @"\[\d+\]", "[*]");
        foreach (var (pattern, value) in defaults)
        {
            if (Matches(pattern, generic))
            {
                return value.DeepClone();
            }
        }
        return null;
    }

    private static bool Matches(string pattern, string path)
    {
        var p = pattern.Split('.');
        var s = path.Split('.');
        return p.Length == s.Length && p.Zip(s).All(pair => pair.First == "*" || pair.First == pair.Second);
    }
}
