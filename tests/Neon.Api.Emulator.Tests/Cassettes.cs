using System.Text;
using System.Text.Json.Nodes;

namespace Neon.Api.Emulator.Tests;

/// <summary>
/// The recorded Neon responses in <c>shared/neon-api/cassettes</c> (VCR YAML). Reads just the part of
/// YAML those files use: <c>method:</c>, <c>uri:</c>, <c>code:</c> and single-quoted <c>string:</c> bodies.
/// </summary>
internal static class Cassettes
{
    /// <summary>The cassettes folder: <c>shared/neon-api/cassettes</c> beside the repository (or beside one of its parents, for worktrees).</summary>
    public static string Folder { get; } = Locate();

    public static IReadOnlyList<Interaction> Load(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(Folder, file));
        var interactions = new List<Interaction>();
        string? method = null, uri = null, body = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith("method: ", StringComparison.Ordinal))
            {
                method = line["method: ".Length..];
            }
            else if (line.StartsWith("uri: ", StringComparison.Ordinal))
            {
                uri = line["uri: ".Length..];
            }
            else if (line.StartsWith("string: '", StringComparison.Ordinal))
            {
                body = ReadSingleQuoted(lines, ref i, lines[i].IndexOf("string: '", StringComparison.Ordinal) + "string: '".Length);
            }
            else if (line.StartsWith("code: ", StringComparison.Ordinal))
            {
                interactions.Add(new Interaction(method!, uri!, int.Parse(line["code: ".Length..], System.Globalization.CultureInfo.InvariantCulture), body));
                method = uri = body = null;
            }
        }

        return interactions;
    }

    /// <summary>The JSON body Neon answered to <paramref name="method"/> on the URI ending with <paramref name="uriEnd"/>.</summary>
    public static JsonObject Response(string file, string method, Func<string, bool> uriMatches)
    {
        var interaction = Load(file).FirstOrDefault(i => i.Method == method && uriMatches(i.Uri))
            ?? throw new AssertFailedException($"{file} has no recorded {method} matching the request.");
        return JsonNode.Parse(interaction.Body!)!.AsObject();
    }

    // YAML single-quoted scalars: '' is a quote, and a line break folds into one space.
    private static string ReadSingleQuoted(string[] lines, ref int index, int start)
    {
        var text = new StringBuilder();
        var line = lines[index];
        var position = start;
        while (true)
        {
            for (; position < line.Length; position++)
            {
                if (line[position] != '\'')
                {
                    text.Append(line[position]);
                }
                else if (position + 1 < line.Length && line[position + 1] == '\'')
                {
                    text.Append('\'');
                    position++;
                }
                else
                {
                    return text.ToString();
                }
            }

            line = lines[++index];
            position = line.Length - line.TrimStart().Length;
            text.Append(' ');
        }
    }

    private static string Locate()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Neon.Testing.Sdk.sln")))
        {
            root = root.Parent;
        }

        for (var folder = root?.Parent; folder is not null; folder = folder.Parent)
        {
            var cassettes = Path.Combine(folder.FullName, "shared", "neon-api", "cassettes");
            if (Directory.Exists(cassettes))
            {
                return cassettes;
            }
        }

        throw new InvalidOperationException($"No shared/neon-api/cassettes folder beside the repository holding Neon.Testing.Sdk.sln (searched upwards from {AppContext.BaseDirectory}).");
    }
}
