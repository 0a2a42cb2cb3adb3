using System.Text;
using System.Text.RegularExpressions;

namespace Neon.Testing.Engine.Migrations;

/// <summary>
/// The files a migration command reads, declared by <c>NeonMigrationInputs</c>: <c>;</c>-separated globs relative to
/// the working directory (<c>*</c> and <c>?</c> within a name, <c>**</c> across folders, a leading <c>!</c> excludes, a
/// folder means everything under it). Their paths and contents join the migration fingerprint, so a command whose
/// inputs are known is cached like <c>.sql</c> files. Wildcards do not descend into <c>bin</c>, <c>obj</c>, <c>.git</c> or
/// <c>node_modules</c>: build output changes on every build and would defeat the cache.
/// </summary>
internal static class MigrationInputs
{
    private static readonly HashSet<string> SkippedFolders = new(["bin", "obj", ".git", "node_modules"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The patterns of <paramref name="value"/>, trimmed, empty ones dropped.</summary>
    public static IReadOnlyList<string> Patterns(string value) =>
        [.. value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>
    /// The matched files as (path relative to <paramref name="workingDirectory"/> with <c>/</c> separators, full path),
    /// in ordinal order of the relative path.
    /// </summary>
    /// <exception cref="ArgumentException">An including pattern matches no file; the message names it.</exception>
    public static IReadOnlyList<(string Relative, string FullPath)> Find(string value, string workingDirectory)
    {
        var patterns = Patterns(value);
        var excludes = patterns.Where(p => p.StartsWith('!')).Select(p => Glob.Create(p[1..], workingDirectory)).ToList();
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var pattern in patterns.Where(p => !p.StartsWith('!')))
        {
            var glob = Glob.Create(pattern, workingDirectory);
            var matched = 0;
            foreach (var file in glob.Files())
            {
                if (excludes.Any(e => e.Matches(file)))
                {
                    continue;
                }

                files[Path.GetRelativePath(workingDirectory, file).Replace('\\', '/')] = file;
                matched++;
            }

            if (matched == 0)
            {
                throw new ArgumentException($"the pattern '{pattern}' matches no file under '{glob.Root}'");
            }
        }

        return [.. files.Select(f => (f.Key, f.Value))];
    }

    /// <summary>One pattern: the folder its literal leading segments name, and a matcher for the rest.</summary>
    private sealed class Glob
    {
        private readonly Regex? _rest;

        private Glob(string root, Regex? rest)
        {
            Root = root;
            _rest = rest;
        }

        public string Root { get; }

        public static Glob Create(string pattern, string workingDirectory)
        {
            var segments = pattern.Replace('\\', '/').Split('/');
            var literal = segments.TakeWhile(s => s.IndexOfAny(['*', '?']) < 0).ToArray();
            var prefix = string.Join('/', literal);
            var root = Path.GetFullPath(prefix.Length > 0 ? prefix : pattern.StartsWith('/') ? "/" : ".", workingDirectory);

            var rest = segments.Skip(literal.Length).ToArray();
            return new Glob(root, rest.Length == 0 ? null : new Regex("^" + ToRegex(rest) + "$", RegexOptions.CultureInvariant));
        }

        /// <summary>The files the pattern matches: the file it names, everything under the folder it names, or the wildcard matches.</summary>
        public IEnumerable<string> Files()
        {
            if (_rest is null)
            {
                return File.Exists(Root) ? [Root] : Directory.Exists(Root) ? Walk(Root) : [];
            }

            return Directory.Exists(Root) ? Walk(Root).Where(Matches) : [];
        }

        public bool Matches(string file)
        {
            if (_rest is null)
            {
                return file == Root || file.StartsWith(Path.TrimEndingDirectorySeparator(Root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            }

            var relative = Path.GetRelativePath(Root, file).Replace('\\', '/');
            return !relative.StartsWith("../", StringComparison.Ordinal) && _rest.IsMatch(relative);
        }

        private static IEnumerable<string> Walk(string folder)
        {
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                yield return file;
            }

            foreach (var child in Directory.EnumerateDirectories(folder))
            {
                if (!SkippedFolders.Contains(Path.GetFileName(child)))
                {
                    foreach (var file in Walk(child))
                    {
                        yield return file;
                    }
                }
            }
        }

        private static string ToRegex(string[] segments)
        {
            var regex = new StringBuilder();
            for (var i = 0; i < segments.Length; i++)
            {
                var last = i == segments.Length - 1;
                if (segments[i] == "**")
                {
                    regex.Append(last ? ".*" : "(?:[^/]+/)*");
                    continue;
                }

                foreach (var c in segments[i])
                {
                    regex.Append(c switch
                    {
                        '*' => "[^/]*",
                        '?' => "[^/]",
                        _ => Regex.Escape(c.ToString()),
                    });
                }

                if (!last)
                {
                    regex.Append('/');
                }
            }

            return regex.ToString();
        }
    }
}
