using System.Text;

namespace Neon.Api.Tests;

/// <summary>
/// The block-YAML subset VCR cassettes use: mappings, sequences (also at their key's indent),
/// plain, <c>null</c>, single- and double-quoted scalars, single-quoted ones folded over lines.
/// Anything else (flow collections, anchors, block scalars) is refused rather than misread.
/// Scalars stay strings: the tests decide what a value means.
/// </summary>
internal sealed class MiniYaml
{
    private readonly List<(int Indent, string Text, int Number)> _lines = [];
    private int _next;

    private MiniYaml(string text)
    {
        var number = 0;
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            number++;
            // Blank lines matter only inside a folded quoted scalar, which keeps its own lines below.
            var indent = raw.Length - raw.TrimStart(' ').Length;
            _lines.Add((indent, raw[indent..], number));
        }
    }

    public static object? Parse(string text)
    {
        var parser = new MiniYaml(text);
        parser.SkipBlank();
        var value = parser.ParseNode(0);
        parser.SkipBlank();
        if (parser._next < parser._lines.Count)
        {
            throw parser.Error("unexpected content after the document");
        }

        return value;
    }

    private object? ParseNode(int minIndent)
    {
        SkipBlank();
        if (_next >= _lines.Count || _lines[_next].Indent < minIndent)
        {
            return null;
        }

        var (indent, text, _) = _lines[_next];
        return IsSequenceItem(text) ? ParseSequence(indent) : ParseMapping(indent);
    }

    private Dictionary<string, object?> ParseMapping(int indent)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (true)
        {
            SkipBlank();
            if (_next >= _lines.Count || _lines[_next].Indent != indent || IsSequenceItem(_lines[_next].Text))
            {
                if (_next < _lines.Count && _lines[_next].Indent > indent)
                {
                    throw Error("unexpected indentation");
                }

                return map;
            }

            var (_, text, _) = _lines[_next];
            var colon = FindKeyColon(text);
            if (colon < 0)
            {
                throw Error("expected 'key: value'");
            }

            var key = text[..colon];
            var rest = text[(colon + 1)..].Trim();
            _next++;
            if (!map.TryAdd(key, rest.Length > 0 ? ParseScalar(rest, indent) : ParseBlockValue(indent)))
            {
                throw Error($"duplicate key '{key}'");
            }
        }
    }

    private object? ParseBlockValue(int keyIndent)
    {
        SkipBlank();
        if (_next >= _lines.Count)
        {
            return null;
        }

        var (indent, text, _) = _lines[_next];
        if (indent > keyIndent)
        {
            return ParseNode(indent);
        }

        // YAML allows a sequence under a key at the key's own indentation.
        return indent == keyIndent && IsSequenceItem(text) ? ParseSequence(indent) : null;
    }

    private List<object?> ParseSequence(int indent)
    {
        var list = new List<object?>();
        while (true)
        {
            SkipBlank();
            if (_next >= _lines.Count || _lines[_next].Indent != indent || !IsSequenceItem(_lines[_next].Text))
            {
                return list;
            }

            var (_, text, number) = _lines[_next];
            var content = text.Length > 1 ? text[2..].TrimStart() : "";
            var contentIndent = indent + (text.Length - content.Length);
            if (content.Length == 0)
            {
                _next++;
                list.Add(ParseBlockValue(indent));
            }
            else if (FindKeyColon(content) > 0)
            {
                // "- key: value" opens a mapping whose keys sit where "key" starts.
                _lines[_next] = (contentIndent, content, number);
                list.Add(ParseMapping(contentIndent));
            }
            else
            {
                _next++;
                list.Add(ParseScalar(content, indent));
            }
        }
    }

    private string? ParseScalar(string text, int ownerIndent)
    {
        if (text is "null" or "~")
        {
            return null;
        }

        if (text[0] == '\'')
        {
            return ParseSingleQuoted(text, ownerIndent);
        }

        if (text[0] == '"')
        {
            return ParseDoubleQuoted(text);
        }

        if (text[0] is '{' or '[' or '&' or '*' or '|' or '>' or '!')
        {
            throw Error($"unsupported YAML construct '{text[0]}'");
        }

        var comment = text.IndexOf(" #", StringComparison.Ordinal);
        return (comment >= 0 ? text[..comment] : text).TrimEnd();
    }

    private string ParseSingleQuoted(string first, int ownerIndent)
    {
        // Collect the raw lines up to the closing quote; line breaks fold to one space and
        // blank lines to a newline, as YAML folds flow scalars.
        var segments = new List<string> { first[1..] };
        while (!TryClose(segments[^1], out _))
        {
            if (_next >= _lines.Count || (_lines[_next].Text.Length > 0 && _lines[_next].Indent <= ownerIndent))
            {
                throw Error("unterminated single-quoted scalar");
            }

            segments.Add(_lines[_next].Text);
            _next++;
        }

        TryClose(segments[^1], out var closeAt);
        segments[^1] = segments[^1][..closeAt];
        if (segments.Count == 1)
        {
            return segments[0].Replace("''", "'", StringComparison.Ordinal);
        }

        var folded = new StringBuilder();
        var pendingBreaks = 0;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = i == 0 ? segments[i].TrimEnd() : i == segments.Count - 1 ? segments[i].TrimStart() : segments[i].Trim();
            if (i > 0 && segment.Length == 0 && i < segments.Count - 1)
            {
                pendingBreaks++;
                continue;
            }

            if (i > 0)
            {
                folded.Append(pendingBreaks > 0 ? new string('\n', pendingBreaks) : " ");
                pendingBreaks = 0;
            }

            folded.Append(segment);
        }

        return folded.ToString().Replace("''", "'", StringComparison.Ordinal);
    }

    private static bool TryClose(string segment, out int closeAt)
    {
        for (var i = 0; i < segment.Length; i++)
        {
            if (segment[i] != '\'')
            {
                continue;
            }

            if (i + 1 < segment.Length && segment[i + 1] == '\'')
            {
                i++;
                continue;
            }

            closeAt = i;
            return true;
        }

        closeAt = -1;
        return false;
    }

    private string ParseDoubleQuoted(string text)
    {
        var result = new StringBuilder();
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                return result.ToString();
            }

            if (c != '\\')
            {
                result.Append(c);
                continue;
            }

            if (++i >= text.Length)
            {
                break;
            }

            result.Append(text[i] switch
            {
                'n' => "\n",
                't' => "\t",
                'r' => "\r",
                '0' => "\0",
                '"' => "\"",
                '\\' => "\\",
                '/' => "/",
                'u' when i + 4 < text.Length => ((char)Convert.ToInt32(text.Substring(i + 1, 4), 16)).ToString(),
                _ => throw Error($"unsupported escape '\\{text[i]}'"),
            });
            if (text[i] == 'u')
            {
                i += 4;
            }
        }

        throw Error("unterminated double-quoted scalar (multi-line ones are not supported)");
    }

    private static bool IsSequenceItem(string text) => text == "-" || text.StartsWith("- ", StringComparison.Ordinal);

    /// <summary>Index of the ':' ending a plain key, or -1 (quoted keys are not used by VCR).</summary>
    private static int FindKeyColon(string text)
    {
        if (text.Length == 0 || text[0] is '\'' or '"')
        {
            return -1;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == ':' && (i + 1 == text.Length || text[i + 1] == ' '))
            {
                return i;
            }
        }

        return -1;
    }

    private void SkipBlank()
    {
        while (_next < _lines.Count && (_lines[_next].Text.Length == 0 || _lines[_next].Text[0] == '#'))
        {
            _next++;
        }
    }

    private FormatException Error(string message)
    {
        var line = _next < _lines.Count ? _lines[_next].Number : _lines.Count;
        return new FormatException($"YAML line {line}: {message}.");
    }
}
