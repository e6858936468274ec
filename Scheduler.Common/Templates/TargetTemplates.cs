using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Fluid;
using Fluid.Ast;
using Scheduler.Common.Delivery;
using Scheduler.Common.Targets;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Templates;

/// <summary>What a target's templates may refer to: the job's declared parameters, and whether it is a workflow step.</summary>
/// <param name="Parameters">The declared parameter names; empty with <paramref name="AnyParameters"/> when the job declares none (any name goes).</param>
public sealed record TemplateScope(IReadOnlyCollection<string> Parameters, bool AnyParameters, bool Step = false)
{
    public static TemplateScope For(IReadOnlyCollection<string> declared, bool step = false) => new(declared, declared.Count == 0, step);
}

/// <summary>
/// Liquid templates (Fluid) in a target: any string value in a target's JSON body (a Kafka <c>value</c>), its text fields (a
/// message key, a routing key) and any header value may use the execution's variables (<see cref="Variables"/>); header values may also name a named secret
/// (<c>{{ secrets.vendor_token }}</c>), resolved only at delivery. Each string is its own template and renders to a JSON
/// string, so a rendered body is always the JSON it was, with its strings filled in. Checked when the job is written
/// (bounds, syntax, unknown variables); rendered by the executor with no file system (<c>include</c>, <c>render</c> refused)
/// and within <see cref="TemplateBounds"/>, so a template can neither reach outside, nor nest deep enough to overflow the
/// parser's stack, nor loop or grow for long. The executor checks the same bounds before parsing a stored template.
/// </summary>
public static class TargetTemplates
{
    /// <summary>The variables a template may use (times are ISO 8601 in UTC).</summary>
    public static readonly string[] Variables =
        ["executionId", "attempt", "scheduledFor", "logicalDate", "interval.start", "interval.end", "scheduleId", "scheduleName", "params.<name>",
         "backfillId", "runId", "stepId", "secrets.<name> (header values only)"];

    private static readonly HashSet<string> Roots = new(StringComparer.Ordinal)
        { "executionId", "attempt", "scheduledFor", "logicalDate", "interval", "scheduleId", "scheduleName", "params", "backfillId", "runId", "stepId", "secrets" };

    private static readonly FluidParser Parser = new();

    // Templates parsed once per process (a schedule's occurrences render the same text). Only deliveries add to it, never a
    // write (a refused request must not grow it); bounded by clearing at ~32 MiB: a parsed template held ~30 bytes per
    // character of its text (64 KiB of tags: 1.6-1.9 MiB).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ParsedTemplate> Parsed = new(StringComparer.Ordinal);
    internal const long MaxCachedBytes = 32 * 1024 * 1024;
    private const int BytesPerCachedChar = 32;
    private static long _cachedBytes;
    private static readonly Lock CacheLock = new();

    internal static bool IsCached(string text) => Parsed.ContainsKey(text);

    internal static long CachedBytes => Interlocked.Read(ref _cachedBytes);

    private static readonly TemplateOptions Options = CreateOptions();

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions
        {
            // No include or render can read a file; nothing in Fluid's filters touches the network.
            FileProvider = new Microsoft.Extensions.FileProviders.NullFileProvider(),
            MaxSteps = TemplateBounds.MaxSteps,
            MaxRecursion = TemplateBounds.MaxRecursion,
            TimeZone = TimeZoneInfo.Utc,
            CultureInfo = CultureInfo.InvariantCulture,
        };
        BoundedTemplate.BoundFilters(options);
        return options;
    }

    public static bool IsTemplate(string? text) =>
        text is not null && (text.Contains("{{", StringComparison.Ordinal) || text.Contains("{%", StringComparison.Ordinal));

    /// <summary>True when the target has any template (so that delivery renders it).</summary>
    public static bool HasTemplates(TargetSpec target)
    {
        var finder = new TemplateFinder();
        target.MapParts(finder);
        return finder.Found;
    }

    /// <summary>
    /// Checks every template of <paramref name="target"/> (errors under <paramref name="prefix"/> + the field's path) and
    /// returns the named secrets its headers use.
    /// </summary>
    public static IReadOnlyList<string> Validate(TargetSpec target, TemplateScope scope, ValidationErrors errors, string prefix = "") =>
        Check(target, scope, errors, prefix, delivery: false);

    /// <summary>The named secrets <paramref name="target"/>'s headers use (to resolve before rendering it), for a delivery.</summary>
    public static IReadOnlyList<string> SecretNames(TargetSpec target) =>
        Check(target, new TemplateScope([], AnyParameters: true, Step: true), new ValidationErrors(), "", delivery: true);

    private static List<string> Check(TargetSpec target, TemplateScope scope, ValidationErrors errors, string prefix, bool delivery)
    {
        var checker = new TemplateChecker(scope, errors, prefix, delivery);
        target.MapParts(checker);
        return checker.Secrets.ToList();
    }

    /// <summary>
    /// <paramref name="target"/> with its templates rendered for one delivery: header values (with secrets from
    /// <paramref name="secret"/>), texts such as a message key, and the strings of the body. A rendered header value with a
    /// line break, NUL or (HTTP) non-ASCII text is refused: a parameter must not be able to add a header. Anything that
    /// cannot render (a bound, a division by zero, a number that does not parse) is a <see cref="TemplateException"/>: it
    /// would fail the same way on every attempt.
    /// </summary>
    /// <param name="time">The clock the render's wall-time bound is measured on (the system's when null).</param>
    public static TargetSpec Render(TargetSpec target, TriggerContext trigger, Func<string, string> secret, TimeProvider? time = null) =>
        HasTemplates(target) ? target.MapParts(new TemplateRenderer(new TemplateValues(trigger), secret, new RenderBudget(time ?? TimeProvider.System))) : target;

    private sealed class TemplateFinder : TargetParts
    {
        public bool Found { get; private set; }

        public override IReadOnlyDictionary<string, string> Headers(IReadOnlyDictionary<string, string> headers, bool http)
        {
            Found |= headers.Values.Any(IsTemplate);
            return headers;
        }

        public override string? Text(string field, string? text)
        {
            Found |= IsTemplate(text);
            return text;
        }

        public override JsonElement? Json(string field, JsonElement? json)
        {
            Found |= HasTemplates(json);
            return json;
        }
    }

    /// <summary>Checks each template of a target when it is written (or, for its secrets, delivered); counts the parse budget.</summary>
    private sealed class TemplateChecker(TemplateScope scope, ValidationErrors errors, string prefix, bool delivery) : TargetParts
    {
        private int _tags;

        public SortedSet<string> Secrets { get; } = new(StringComparer.Ordinal);

        public override IReadOnlyDictionary<string, string> Headers(IReadOnlyDictionary<string, string> headers, bool http)
        {
            foreach (var (name, value) in headers)
            {
                Check(value, $"{prefix}target.headers.{name}", secretsAllowed: true);
            }
            return headers;
        }

        public override string? Text(string field, string? text)
        {
            if (text is not null)
            {
                Check(text, prefix + field, secretsAllowed: false);
            }
            return text;
        }

        public override JsonElement? Json(string field, JsonElement? json)
        {
            if (json is { } element)
            {
                foreach (var (path, text) in Strings(element, field))
                {
                    Check(text, prefix + path, secretsAllowed: false);
                }
            }
            return json;
        }

        private void Check(string text, string field, bool secretsAllowed)
        {
            if (!IsTemplate(text))
            {
                return;
            }
            if (!TryParse(text, delivery, out var parsed, out var error))
            {
                errors.Add(field, error);
            }
            else if ((_tags += parsed.Tags) > TemplateBounds.MaxTags)
            {
                errors.Add(field, TemplateBounds.PastTags);
            }
            else
            {
                CheckNames(parsed.Names, field, scope, secretsAllowed, Secrets, errors);
            }
        }
    }

    /// <summary>Renders one delivery's templates within one <see cref="RenderBudget"/>.</summary>
    private sealed class TemplateRenderer(TemplateValues values, Func<string, string> secret, RenderBudget budget) : TargetParts
    {
        private int _tags;

        public override IReadOnlyDictionary<string, string> Headers(IReadOnlyDictionary<string, string> headers, bool http) => headers.ToDictionary(h => h.Key, h =>
        {
            var rendered = Render(h.Value, $"target.headers.{h.Key}", TemplateBounds.MaxHeaderChars, secret);
            if (rendered.Any(c => c is '\r' or '\n' or '\0') || (http && rendered.Any(c => c is not ('\t' or (>= ' ' and <= '~')))))
            {
                throw new TemplateException($"header '{h.Key}' rendered to a value with a line break, NUL or non-ASCII text");
            }
            return rendered;
        }, StringComparer.OrdinalIgnoreCase);

        public override string? Text(string field, string? text) => text is null ? null : Render(text, field, TemplateBounds.MaxValueChars, secret: null);

        public override JsonElement? Json(string field, JsonElement? json) =>
            json is { } element && HasTemplates(element) ? JsonDocument.Parse(RenderJson(element, field)).RootElement : json;

        /// <summary>A JSON body or value with each templated string rendered.</summary>
        private byte[] RenderJson(JsonElement json, string field)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                Write(json, writer, field);
            }
            return buffer.WrittenSpan.ToArray();
        }

        private void Write(JsonElement element, Utf8JsonWriter writer, string path)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    writer.WriteStartObject();
                    foreach (var property in element.EnumerateObject())
                    {
                        writer.WritePropertyName(property.Name);
                        Write(property.Value, writer, $"{path}.{property.Name}");
                    }
                    writer.WriteEndObject();
                    break;
                case JsonValueKind.Array:
                    writer.WriteStartArray();
                    var index = 0;
                    foreach (var item in element.EnumerateArray())
                    {
                        Write(item, writer, $"{path}[{index++}]");
                    }
                    writer.WriteEndArray();
                    break;
                case JsonValueKind.String when element.GetString() is { } text && IsTemplate(text):
                    writer.WriteStringValue(Render(text, path, TemplateBounds.MaxValueChars, secret: null));
                    break;
                default:
                    element.WriteTo(writer);
                    break;
            }
        }

        /// <summary>One templated string (text without a template as it is); every failure names <paramref name="field"/>.</summary>
        private string Render(string text, string field, int limit, Func<string, string>? secret)
        {
            if (!IsTemplate(text))
            {
                return text;
            }
            // Checked when written; checked again here, before the parser sees a stored text (one written before these
            // bounds, or straight into the database), so that nothing unbounded reaches the parser or the renderer.
            if (!TryParse(text, cache: true, out var parsed, out var error))
            {
                throw new TemplateException($"{field}: {error}");
            }
            if ((_tags += parsed.Tags) > TemplateBounds.MaxTags)
            {
                throw new TemplateException($"{field}: {TemplateBounds.PastTags}");
            }
            var context = new BoundedContext(Options, budget);
            values.Apply(context, secret);
            using var output = new BoundedWriter(budget, limit, output: true);
            try
            {
                parsed.Template.RenderAsync(output, context, NullEncoder.Default).AsTask().GetAwaiter().GetResult();
            }
            catch (TemplateException e)
            {
                throw new TemplateException($"{field}: {e.Message}");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Rendering reads nothing but the execution's values: a division by zero, an overflow or a number that does not
                // parse fails the same way on every attempt.
                throw new TemplateException($"{field}: could not be rendered: {e.Message}");
            }
            return output.ToString();
        }
    }

    private static bool HasTemplates(JsonElement? json) => json is { } element && Strings(element, "").Any(s => IsTemplate(s.Text));

    /// <summary>A template parsed once: its bounded form for rendering, the names it reads and defines, its tags and outputs.</summary>
    private sealed record ParsedTemplate(IFluidTemplate Template, NameCollector Names, int Tags);

    /// <summary>
    /// Scans <paramref name="text"/> against the parse bounds, then parses it: through the per-process cache on a delivery
    /// (its secret lookup and its rendering read the same parsed template), never into it on a write.
    /// </summary>
    private static bool TryParse(string text, bool cache, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ParsedTemplate? parsed, out string error)
    {
        error = "";
        if (Parsed.TryGetValue(text, out parsed))
        {
            return true;
        }
        if (TemplateBounds.Scan(text, out var tags) is { } problem)
        {
            error = problem;
            return false;
        }
        if (!Parser.TryParse(text, out var template, out var syntax))
        {
            error = $"is not a valid Liquid template: {ValidationErrors.Excerpt(syntax ?? "", 200)}";
            return false;
        }
        var names = new NameCollector();
        names.VisitTemplate(template);
        parsed = new ParsedTemplate(BoundedTemplate.Rewrite(template), names, tags);
        if (cache)
        {
            lock (CacheLock)
            {
                if ((_cachedBytes += (long)text.Length * BytesPerCachedChar) > MaxCachedBytes)
                {
                    Parsed.Clear();
                    _cachedBytes = (long)text.Length * BytesPerCachedChar;
                }
                Parsed[text] = parsed;
            }
        }
        return true;
    }

    private static void CheckNames(NameCollector names, string field, TemplateScope scope, bool secretsAllowed, SortedSet<string> secrets, ValidationErrors errors)
    {
        if (names.Includes)
        {
            errors.Add(field, "templates cannot include or render other templates");
        }
        foreach (var path in names.Paths.Where(p => !names.Locals.Contains(p[0])))
        {
            var root = path[0];
            var member = path.Count > 1 ? path[1] : null;
            var problem = root switch
            {
                _ when !Roots.Contains(root) => $"uses unknown variable '{ValidationErrors.Excerpt(root, 40)}'; use {string.Join(", ", Variables)}",
                "secrets" when !secretsAllowed => "may not use a secret: secrets are resolved into header values only, never into bodies",
                "secrets" when member is null => "names no secret: write {{ secrets.name }}",
                "params" when member is not null && !scope.AnyParameters && !scope.Parameters.Contains(member) =>
                    $"uses undeclared parameter '{ValidationErrors.Excerpt(member, 40)}'" +
                    (scope.Parameters.Count > 0 ? $"; declared: {string.Join(", ", scope.Parameters)}" : "; declare it in parameters"),
                "interval" when member is not ("start" or "end") => "uses interval without .start or .end",
                "runId" or "stepId" when !scope.Step => $"uses '{root}', which only a workflow step's target has",
                _ => null,
            };
            if (problem is not null)
            {
                errors.Add(field, problem);
            }
            else if (root == "secrets")
            {
                secrets.Add(member!);
            }
        }
    }

    private static IEnumerable<(string Path, string Text)> Strings(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                yield return (path, element.GetString()!);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    foreach (var item in Strings(property.Value, $"{path}.{property.Name}"))
                    {
                        yield return item;
                    }
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var value in element.EnumerateArray())
                {
                    foreach (var item in Strings(value, $"{path}[{index++}]"))
                    {
                        yield return item;
                    }
                }
                break;
        }
    }

    /// <summary>Every variable path a template reads, and the names it defines itself (assign, capture, for).</summary>
    private sealed class NameCollector : AstVisitor
    {
        public List<List<string>> Paths { get; } = [];
        public HashSet<string> Locals { get; } = new(StringComparer.Ordinal) { "forloop", "empty", "blank", "nil", "null", "true", "false" };
        public bool Includes { get; private set; }

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            Paths.Add(memberExpression.Segments.TakeWhile(s => s is IdentifierSegment).Cast<IdentifierSegment>().Select(s => s.Identifier).ToList());
            return base.VisitMemberExpression(memberExpression);
        }

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            Locals.Add(assignStatement.Identifier);
            return base.VisitAssignStatement(assignStatement);
        }

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            Locals.Add(captureStatement.Identifier);
            return base.VisitCaptureStatement(captureStatement);
        }

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            Locals.Add(forStatement.Identifier);
            return base.VisitForStatement(forStatement);
        }

        protected override Statement VisitIncludeStatement(IncludeStatement includeStatement)
        {
            Includes = true;
            return base.VisitIncludeStatement(includeStatement);
        }

        protected override Statement VisitRenderStatement(RenderStatement renderStatement)
        {
            Includes = true;
            return base.VisitRenderStatement(renderStatement);
        }
    }
}

/// <summary>A stored template that cannot be rendered: the attempt fails with this message.</summary>
public sealed class TemplateException(string message) : Exception(message);

/// <summary>The variables of one delivery, as templates see them.</summary>
internal sealed class TemplateValues(TriggerContext trigger)
{
    // Each templated string of a target renders in a context of its own; the parameters are converted once for all of them.
    private object? _parameters;

    private object Parameters => _parameters ??= trigger.EffectiveParameters is { ValueKind: JsonValueKind.Object } parameters
        ? ToObject(parameters)!
        : new Dictionary<string, object?>();

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    internal void Apply(TemplateContext context, Func<string, string>? secret)
    {
        context.SetValue("executionId", trigger.ExecutionId.ToString());
        context.SetValue("attempt", trigger.Attempt);
        context.SetValue("scheduledFor", Iso(trigger.ScheduledFor));
        context.SetValue("logicalDate", Iso(trigger.EffectiveLogicalDate));
        if (trigger.EffectiveInterval is { } interval)
        {
            context.SetValue("interval", new Dictionary<string, object> { ["start"] = Iso(interval.Start), ["end"] = Iso(interval.End) });
        }
        if (trigger.ScheduleId is { } scheduleId)
        {
            context.SetValue("scheduleId", scheduleId.ToString());
        }
        context.SetValue("scheduleName", trigger.ScheduleName);
        if (trigger.BackfillId is { } backfill)
        {
            context.SetValue("backfillId", backfill.ToString());
        }
        if (trigger.Step is { } step)
        {
            context.SetValue("runId", step.RunId.ToString());
            context.SetValue("stepId", step.StepId);
        }
        context.SetValue("params", Parameters);
        if (secret is not null)
        {
            context.SetValue("secrets", new SecretLookup(secret));
        }
    }

    private static object? ToObject(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToObject(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => element.EnumerateArray().Select(ToObject).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var whole) ? whole : element.GetDecimal(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>Resolves <c>secrets.name</c> on demand, so that only the secrets a header uses are read.</summary>
    private sealed class SecretLookup(Func<string, string> secret) : Fluid.Values.ObjectValueBase(secret)
    {
        public override ValueTask<Fluid.Values.FluidValue> GetValueAsync(string name, TemplateContext context) =>
            new(Fluid.Values.FluidValue.Create(secret(name), context.Options));
    }
}
