namespace Scheduler.Common.Templates;

/// <summary>
/// The bounds on a target's templates, and the scan that enforces the parse-time ones before Fluid's parser sees the text.
/// Fluid's parser is recursive descent: a template nesting about 2,500 blocks or brackets deep overflowed a 1.5 MiB thread
/// stack (measured with Fluid 2.41.1), which no <c>catch</c> survives. The render-time bounds are enforced by
/// <see cref="RenderBudget"/>. Each value and why is in docs/security.md ("Bounds on templates").
/// </summary>
internal static class TemplateBounds
{
    /// <summary>Nested blocks (<c>if</c>, <c>for</c>, <c>capture</c>…): the render's recursion bound, so an accepted template never reaches it.</summary>
    public const int MaxBlockDepth = MaxRecursion;

    /// <summary>Within one <c>{{ }}</c> or <c>{% %}</c>: brackets and parentheses deep, plus filters, plus <c>and</c>/<c>or</c> (each nests in the syntax tree).</summary>
    public const int MaxExpressionDepth = 32;

    /// <summary>Tags and outputs in all of one target's templates: the parse budget (64 KiB of <c>{{a}}</c>, 13,000 of them, took ~110 ms to parse).</summary>
    public const int MaxTags = 2_000;

    /// <summary>Why the template that takes a target past <see cref="MaxTags"/> is refused.</summary>
    public static readonly string PastTags = FormattableString.Invariant($"brings the target's templates past {MaxTags:N0} tags and outputs in all");

    /// <summary>Statements one template executes (Fluid's MaxSteps).</summary>
    public const int MaxSteps = 10_000;

    /// <summary>Nested loops and scopes at render (Fluid's MaxRecursion).</summary>
    public const int MaxRecursion = 16;

    /// <summary>Items in a range or a list a filter makes: a loop can run no more than <see cref="MaxSteps"/> times anyway.</summary>
    public const int MaxItems = MaxSteps;

    /// <summary>Characters in any value a render makes, and in one rendered body string or text.</summary>
    public const int MaxValueChars = 256 * 1024;

    /// <summary>Characters in one rendered header value: what a header may hold when written.</summary>
    public const int MaxHeaderChars = 8 * 1024;

    /// <summary>Characters rendered into one delivery's target in all: the API's request body limit (1 MiB).</summary>
    public const int MaxOutputChars = 1024 * 1024;

    /// <summary>Bytes of values one delivery's rendering may make in all (2 a character, 32 an item), output included.</summary>
    public const long MaxWorkBytes = 16 * 1024 * 1024;

    /// <summary>Wall time one delivery's rendering may take; the smallest delivery timeout is far longer than a sane template needs.</summary>
    public static readonly TimeSpan MaxRenderTime = TimeSpan.FromSeconds(1);

    private static readonly HashSet<string> BlockTags = new(StringComparer.OrdinalIgnoreCase)
        { "if", "unless", "case", "for", "tablerow", "capture", "comment", "raw", "ifchanged", "macro" };

    /// <summary>
    /// What is wrong with <paramref name="text"/> before it is parsed (null when nothing), and how many tags and outputs it has.
    /// Linear and conservative: every <c>{{</c> and <c>{%</c> counts, in strings and raw blocks too, so the parser can never
    /// see more nesting than this scan did.
    /// </summary>
    public static string? Scan(string text, out int tags)
    {
        tags = 0;
        var blocks = 0;
        var start = NextTag(text, 0);
        while (start >= 0)
        {
            tags++;
            var markupStart = start + 2;
            var end = MarkupEnd(text, markupStart);
            var markup = text.AsSpan(markupStart, end - markupStart).TrimStart('-').TrimStart();
            if (text[start + 1] == '%')
            {
                var name = markup[..Word(markup)].ToString();
                if (name.Equals("liquid", StringComparison.OrdinalIgnoreCase))
                {
                    return "uses the liquid tag, which targets do not support; write each tag in its own {% %}";
                }
                if (BlockTags.Contains(name) && ++blocks > MaxBlockDepth)
                {
                    return $"nests blocks more than {MaxBlockDepth} deep";
                }
                if (name.StartsWith("end", StringComparison.OrdinalIgnoreCase))
                {
                    blocks = Math.Max(0, blocks - 1);
                }
            }
            if (ExpressionDepth(markup) > MaxExpressionDepth)
            {
                return $"has an expression more than {MaxExpressionDepth} deep (brackets and parentheses, filters, and/or)";
            }
            start = NextTag(text, end);
        }
        return null;
    }

    private static int NextTag(string text, int from)
    {
        for (var i = text.IndexOf('{', from); i >= 0 && i < text.Length - 1; i = text.IndexOf('{', i + 1))
        {
            if (text[i + 1] is '{' or '%')
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Where a tag's markup ends: at its closing <c>}}</c> or <c>%}</c>, or where another tag starts (each is scanned).</summary>
    private static int MarkupEnd(string text, int from)
    {
        for (var i = from; i < text.Length - 1; i++)
        {
            if ((text[i] is '}' or '%' && text[i + 1] == '}') || (text[i] == '{' && text[i + 1] is '{' or '%'))
            {
                return i;
            }
        }
        return text.Length;
    }

    private static int Word(ReadOnlySpan<char> markup)
    {
        var length = 0;
        while (length < markup.Length && (char.IsAsciiLetterOrDigit(markup[length]) || markup[length] is '_' or '#'))
        {
            length++;
        }
        return length;
    }

    private static int ExpressionDepth(ReadOnlySpan<char> markup)
    {
        int depth = 0, deepest = 0, chained = 0;
        for (var i = 0; i < markup.Length; i++)
        {
            switch (markup[i])
            {
                case '(' or '[':
                    deepest = Math.Max(deepest, ++depth);
                    break;
                case ')' or ']':
                    depth = Math.Max(0, depth - 1);
                    break;
                case '|':
                    chained++;
                    break;
                case var c when char.IsAsciiLetter(c) && (i == 0 || !char.IsAsciiLetterOrDigit(markup[i - 1])):
                    var word = markup[i..][..Word(markup[i..])];
                    if (word.Equals("and", StringComparison.Ordinal) || word.Equals("or", StringComparison.Ordinal))
                    {
                        chained++;
                    }
                    i += word.Length - 1;
                    break;
            }
        }
        return deepest + chained;
    }
}
