namespace Neon.Testing.Engine.Migrations;

/// <summary>
/// A migration file split into statements by a PostgreSQL lexer: semicolons inside comments (nested
/// <c>/* */</c> included), string literals (<c>'...'</c>, <c>E'...'</c>), quoted identifiers, dollar-quoted bodies
/// (<c>$$...$$</c>, <c>$EF$...$EF$</c>) and SQL-standard function bodies (<c>BEGIN ATOMIC ... END</c>) do not end a
/// statement. The statements tell whether the file manages its own transactions, and map an error's position
/// back to the file's line.
/// </summary>
internal sealed class SqlScript
{
    private const int KeywordsKept = 8;

    private readonly int[] _lineStarts;

    private SqlScript(string text, IReadOnlyList<SqlStatement> statements)
    {
        Text = text;
        Statements = statements;
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = [.. starts];
    }

    /// <summary>The file's text.</summary>
    public string Text { get; }

    /// <summary>The statements in file order; empty ones (<c>;;</c>, comments only) are left out.</summary>
    public IReadOnlyList<SqlStatement> Statements { get; }

    /// <summary>
    /// Whether the file must run as written rather than inside one transaction of ours: it controls transactions
    /// itself (<c>BEGIN</c>/<c>START TRANSACTION</c>/<c>COMMIT</c>, EF Core's idempotent scripts) or holds a statement
    /// PostgreSQL refuses inside one (<c>CREATE INDEX CONCURRENTLY</c>, <c>VACUUM</c>).
    /// </summary>
    public bool ManagesTransactions => Statements.Any(s => s.IsTransactionControl || s.CannotRunInTransaction);

    /// <summary>The statement that opens a transaction block the file never ends, or <see langword="null"/>.</summary>
    public SqlStatement? UnendedTransaction()
    {
        SqlStatement? open = null;
        foreach (var statement in Statements)
        {
            if (statement.OpensTransaction)
            {
                open ??= statement;
            }
            else if (statement.EndsTransaction)
            {
                open = null;
            }
        }

        return open;
    }

    /// <summary>The 1-based line of character offset <paramref name="offset"/>.</summary>
    public int LineOf(int offset)
    {
        var index = Array.BinarySearch(_lineStarts, Math.Clamp(offset, 0, Text.Length));
        return index >= 0 ? index + 1 : ~index;
    }

    /// <summary>The text of 1-based line <paramref name="line"/>, without its line break.</summary>
    public string LineText(int line)
    {
        var start = _lineStarts[Math.Clamp(line - 1, 0, _lineStarts.Length - 1)];
        var end = Text.IndexOf('\n', start);
        return Text[start..(end < 0 ? Text.Length : end)].TrimEnd('\r');
    }

    /// <summary>
    /// The file offset of PostgreSQL's 1-based error <paramref name="position"/> within <paramref name="statement"/>'s text:
    /// PostgreSQL counts characters (code points), .NET strings count UTF-16 units.
    /// </summary>
    public int OffsetOf(SqlStatement statement, int position)
    {
        var offset = statement.Start;
        var end = statement.Start + statement.Length;
        for (var remaining = position - 1; remaining > 0 && offset < end; remaining--)
        {
            offset += char.IsHighSurrogate(Text[offset]) && offset + 1 < end ? 2 : 1;
        }

        return offset;
    }

    /// <summary>Splits <paramref name="text"/> into statements.</summary>
    public static SqlScript Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var statements = new List<SqlStatement>();
        var start = -1;
        var bodyStart = -1;
        var keywords = new List<string>();
        var atomicDepth = 0;
        var i = 0;

        void Begin(int at)
        {
            if (start < 0)
            {
                start = at;
            }
        }

        while (i < text.Length)
        {
            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && next == '-')
            {
                i = SkipLineComment(text, i);
            }
            else if (c == '/' && next == '*')
            {
                i = SkipBlockComment(text, i);
            }
            else if (c == '\'')
            {
                Begin(i);
                i = SkipQuoted(text, i + 1, '\'', backslashEscapes: IsEscapeStringPrefix(text, i));
            }
            else if (c == '"')
            {
                Begin(i);
                i = SkipQuoted(text, i + 1, '"', backslashEscapes: false);
            }
            else if (c == '$' && DollarTag(text, i) is { } tag)
            {
                Begin(i);
                if (bodyStart < 0)
                {
                    bodyStart = i + tag.Length;
                }

                var close = text.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = close < 0 ? text.Length : close + tag.Length;
            }
            else if (IsIdentifierStart(c))
            {
                Begin(i);
                var wordStart = i;
                while (i < text.Length && IsIdentifierPart(text[i]))
                {
                    i++;
                }

                var word = text[wordStart..i].ToUpperInvariant();
                if (keywords.Count < KeywordsKept)
                {
                    keywords.Add(word);
                }

                atomicDepth = TrackAtomicBody(keywords, word, atomicDepth);
            }
            else if (c == ';' && atomicDepth == 0)
            {
                if (start >= 0)
                {
                    statements.Add(new SqlStatement(start, i - start, 0, [.. keywords], bodyStart));
                }

                start = -1;
                bodyStart = -1;
                keywords.Clear();
                i++;
            }
            else
            {
                Begin(i);
                i++;
            }
        }

        if (start >= 0)
        {
            var end = text.Length;
            while (end > start && char.IsWhiteSpace(text[end - 1]))
            {
                end--;
            }

            statements.Add(new SqlStatement(start, end - start, 0, [.. keywords], bodyStart));
        }

        var script = new SqlScript(text, statements);
        return new SqlScript(text, [.. statements.Select(s => s with { Line = script.LineOf(s.Start) })]);
    }

    /// <summary>
    /// psql's rule for SQL-standard bodies: inside <c>CREATE FUNCTION|PROCEDURE</c>, <c>BEGIN</c> opens a block
    /// (and <c>CASE</c> a nested one) that <c>END</c> closes; semicolons inside do not end the statement.
    /// </summary>
    private static int TrackAtomicBody(List<string> keywords, string word, int depth)
    {
        var routine = keywords.Count > 1 && keywords[0] == "CREATE"
            && keywords.Skip(1).SkipWhile(k => k is "OR" or "REPLACE").FirstOrDefault() is "FUNCTION" or "PROCEDURE";
        if (!routine)
        {
            return 0;
        }

        return word switch
        {
            "BEGIN" => depth + 1,
            "CASE" when depth > 0 => depth + 1,
            "END" when depth > 0 => depth - 1,
            _ => depth,
        };
    }

    private static int SkipLineComment(string text, int i)
    {
        var end = text.IndexOf('\n', i);
        return end < 0 ? text.Length : end + 1;
    }

    private static int SkipBlockComment(string text, int i)
    {
        // PostgreSQL's block comments nest.
        var depth = 0;
        while (i < text.Length)
        {
            if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (text[i] == '*' && i + 1 < text.Length && text[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return i;
    }

    /// <summary>Skips past the closing <paramref name="quote"/>; a doubled quote is part of the text.</summary>
    private static int SkipQuoted(string text, int i, char quote, bool backslashEscapes)
    {
        while (i < text.Length)
        {
            if (backslashEscapes && text[i] == '\\')
            {
                i += 2;
            }
            else if (text[i] == quote)
            {
                if (i + 1 < text.Length && text[i + 1] == quote)
                {
                    i += 2;
                }
                else
                {
                    return i + 1;
                }
            }
            else
            {
                i++;
            }
        }

        return text.Length;
    }

    /// <summary><c>E'...'</c>: the quote follows a lone <c>E</c> (not the end of a longer word).</summary>
    private static bool IsEscapeStringPrefix(string text, int quote) =>
        quote >= 1 && text[quote - 1] is 'E' or 'e' && (quote == 1 || !IsIdentifierPart(text[quote - 2]));

    /// <summary>The dollar-quote delimiter starting at <paramref name="i"/> (<c>$$</c>, <c>$EF$</c>), or <see langword="null"/> for <c>$1</c> or a <c>$</c> inside a word.</summary>
    private static string? DollarTag(string text, int i)
    {
        if (i > 0 && IsIdentifierPart(text[i - 1]))
        {
            return null;
        }

        var j = i + 1;
        if (j < text.Length && IsIdentifierStart(text[j]))
        {
            j++;
            while (j < text.Length && IsIdentifierPart(text[j]) && text[j] != '$')
            {
                j++;
            }
        }

        return j < text.Length && text[j] == '$' ? text[i..(j + 1)] : null;
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_' || c > '\u007f';

    private static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || char.IsAsciiDigit(c) || c == '$';
}
