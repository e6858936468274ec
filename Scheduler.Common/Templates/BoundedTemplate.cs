using System.Globalization;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Ast;
using Fluid.Values;
using static Scheduler.Common.Templates.TemplateBounds;

namespace Scheduler.Common.Templates;

/// <summary>
/// Fluid 2.41 bounds steps and recursion, but not what a render makes: a range is built as a list before a loop counts a
/// step, <c>capture</c> and <c>ifchanged</c> buffer without limit, and one <c>replace</c> or <c>join</c> can multiply its
/// input. This rewrites a parsed template so that ranges and buffers charge the delivery's <see cref="RenderBudget"/>, and
/// wraps every filter so that each value it makes is charged (and the few that could make a huge one in a single call are
/// refused before they run).
/// </summary>
internal static class BoundedTemplate
{
    public static IFluidTemplate Rewrite(IFluidTemplate template) => new Bounder().VisitTemplate(template);

    /// <summary>Wraps each of <paramref name="options"/>' filters so that what it makes is charged to the render's budget.</summary>
    public static void BoundFilters(TemplateOptions options)
    {
        foreach (var (name, filter) in options.Filters.ToList())
        {
            var by = $"the filter '{name}'";
            options.Filters.AddFilter(name, async (input, arguments, context) =>
            {
                var budget = ((BoundedContext)context).Budget;
                budget.CheckTime();
                var (chars, items) = Foreseen(name, input, arguments);
                RenderBudget.Check(chars, items, by);
                var made = await filter(input, arguments, context);
                if (!ReferenceEquals(made, input))
                {
                    budget.Made(made, by);
                }
                return made;
            });
        }
    }

    /// <summary>
    /// What a filter will make, for those whose output can be far larger than their input and arguments together: every
    /// other filter makes at most a few times what it is given, which the check after it runs catches.
    /// </summary>
    private static (long Chars, long Items) Foreseen(string filter, FluidValue input, FilterArguments arguments)
    {
        switch (filter)
        {
            case "replace":
                var text = input.ToStringValue();
                var (old, replacement) = (arguments.At(0).ToStringValue(), arguments.At(1).ToStringValue());
                return old.Length == 0 || replacement.Length <= old.Length ? (text.Length, 0)
                    : (text.Length + ((long)Occurrences(text, old) * (replacement.Length - old.Length)), 0);
            case "join" when input is ArrayValue array:
                var separator = arguments.At(0).ToStringValue().Length;
                return (RenderBudget.Measure(array).Chars + ((long)separator * Math.Max(0, array.Values.Count - 1)), 0);
            case "split":
                var whole = input.ToStringValue();
                var by = arguments.At(0).ToStringValue();
                return (whole.Length, by.Length == 0 ? whole.Length : Occurrences(whole, by) + 1);
            case "format_string":
                // "{0,9999}{0}{0}…": each placeholder may pad to its width or repeat the longest argument.
                var format = input.ToStringValue();
                var longest = (arguments.Values ?? []).Select(a => (long)a.ToStringValue().Length).DefaultIfEmpty(0).Max();
                return (Widths(format) + (Occurrences(format, "{") * longest), 0);
            case "date" or "format_date" or "format_number":
                // strftime and .NET formats take widths ("%999999999n", "D999999999").
                return (Widths(arguments.At(0).ToStringValue()), 0);
            default:
                return (0, 0);
        }
    }

    private static int Occurrences(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <summary>A format's length plus each number in it (each can be a width that pads one field to that many characters).</summary>
    private static long Widths(string format)
    {
        long total = format.Length, number = 0;
        foreach (var c in format.Append(' '))
        {
            if (char.IsAsciiDigit(c))
            {
                number = Math.Min((number * 10) + (c - '0'), int.MaxValue);
            }
            else
            {
                total += number;
                number = 0;
            }
        }
        return total;
    }

    private sealed class Bounder : AstRewriter
    {
        protected override Expression VisitRangeExpression(RangeExpression rangeExpression)
        {
            var range = (RangeExpression)base.VisitRangeExpression(rangeExpression);
            return new BoundedRange(range.From, range.To);
        }

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            var capture = (CaptureStatement)base.VisitCaptureStatement(captureStatement);
            return new BoundedCapture(capture.Identifier, capture.Statements);
        }

        protected override Statement VisitIfChangedStatement(IfChangedStatement ifChangedStatement)
        {
            var ifChanged = (IfChangedStatement)base.VisitIfChangedStatement(ifChangedStatement);
            return new BoundedIfChanged(ifChanged.Statements);
        }
    }

    /// <summary><c>(from..to)</c>, refused past <see cref="TemplateBounds.MaxItems"/> before the list is built.</summary>
    private sealed class BoundedRange(Expression from, Expression to) : Expression
    {
        public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            var start = Convert.ToInt32((await from.EvaluateAsync(context)).ToNumberValue(), CultureInfo.InvariantCulture);
            var end = Convert.ToInt32((await to.EvaluateAsync(context)).ToNumberValue(), CultureInfo.InvariantCulture);
            var count = Math.Max(0L, (long)end - start + 1);
            RenderBudget.Check(0, count, "a range");
            ((BoundedContext)context).Budget.Work(32 * count);
            var items = new FluidValue[count];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = NumberValue.Create(start + i);
            }
            return new ArrayValue(items);
        }
    }

    /// <summary>Renders a block's statements into a bounded buffer (what <c>capture</c> and <c>ifchanged</c> do).</summary>
    private static async ValueTask<(string Text, Completion Completion)> Buffer(IReadOnlyList<Statement> statements, TextEncoder encoder, TemplateContext context)
    {
        using var buffer = new BoundedWriter(((BoundedContext)context).Budget, MaxValueChars, output: false);
        var completion = Completion.Normal;
        foreach (var statement in statements)
        {
            completion = await statement.WriteToAsync(buffer, encoder, context);
            if (completion != Completion.Normal)
            {
                break;
            }
        }
        return (buffer.ToString(), completion);
    }

    private sealed class BoundedCapture(string identifier, IReadOnlyList<Statement> statements) : Statement
    {
        public override async ValueTask<Completion> WriteToAsync(TextWriter writer, TextEncoder encoder, TemplateContext context)
        {
            var (text, completion) = await Buffer(statements, encoder, context);
            context.SetValue(identifier, new StringValue(text, encode: false));
            return completion;
        }
    }

    private sealed class BoundedIfChanged(IReadOnlyList<Statement> statements) : Statement
    {
        private const string Previous = "$$ifchanged$$";

        public override async ValueTask<Completion> WriteToAsync(TextWriter writer, TextEncoder encoder, TemplateContext context)
        {
            context.IncrementSteps();
            var (text, completion) = await Buffer(statements, encoder, context);
            if (!(context.AmbientValues.TryGetValue(Previous, out var previous) && previous is string last && last == text))
            {
                context.AmbientValues[Previous] = text;
                writer.Write(text);
            }
            return completion;
        }
    }
}
