namespace Neon.Testing.Engine.Providers.Local;

/// <summary>Locates the PostgreSQL server programs (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>) on this machine.</summary>
public sealed record PostgresBinaries(string Directory, int MajorVersion)
{
    /// <summary>Path of <c>initdb</c>.</summary>
    public string InitDb => Path.Combine(Directory, "initdb");

    /// <summary>Path of <c>pg_ctl</c>.</summary>
    public string PgCtl => Path.Combine(Directory, "pg_ctl");

    /// <summary>
    /// Searches PATH, then the Debian/Ubuntu, Red Hat and
    /// Homebrew locations, preferring the newest major version.
    /// </summary>
    /// <exception cref="NeonConfigurationException">No server binaries were found.</exception>
    public static PostgresBinaries Find() => Find(Environment.GetEnvironmentVariable("PATH") ?? "", includeWellKnownLocations: true);

    internal static PostgresBinaries Find(string searchPath, bool includeWellKnownLocations)
    {
        var candidates = PathDirectories(searchPath);
        if (includeWellKnownLocations)
        {
            candidates = candidates.Concat(WellKnownDirectories());
        }

        foreach (var directory in candidates)
        {
            if (File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")) && File.Exists(Path.Combine(directory, "postgres")))
            {
                return new PostgresBinaries(directory, ReadMajorVersion(directory));
            }
        }

        throw new NeonConfigurationException(NeonSettings.LocalConnectionString,
            "No PostgreSQL server binaries (initdb, pg_ctl, postgres) were found on PATH, under /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin or Homebrew. " +
            "Install PostgreSQL (Debian/Ubuntu: 'apt-get install postgresql'; macOS: 'brew install postgresql@16'), " +
            "or set NeonLocalConnectionString (NEON_LOCAL_CONNECTION_STRING) to a server whose user has CREATEDB, or set NeonProjectId and NEON_API_KEY to use Neon.");
    }

    private static IEnumerable<string> PathDirectories(string searchPath)
    {
        foreach (var entry in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            // Symlinks on PATH (Debian's /usr/local/bin/initdb) point into the versioned folder that also holds postgres.
            var initdb = new FileInfo(Path.Combine(entry, "initdb"));
            if (initdb.Exists)
            {
                var target = initdb.ResolveLinkTarget(returnFinalTarget: true);
                yield return target is null ? entry : Path.GetDirectoryName(target.FullName)!;
            }
        }
    }

    private static IEnumerable<string> WellKnownDirectories()
    {
        foreach (var pattern in new[] { ("/usr/lib/postgresql", "bin"), ("/usr/pgsql-*", "bin"), ("/opt/homebrew/opt", "bin"), ("/usr/local/opt", "bin") })
        {
            foreach (var directory in VersionedDirectories(pattern.Item1).OrderByDescending(d => d.Version))
            {
                yield return Path.Combine(directory.Path, pattern.Item2);
            }
        }

        yield return "/opt/homebrew/bin";
        yield return "/usr/local/bin";
    }

    private static IEnumerable<(string Path, int Version)> VersionedDirectories(string root)
    {
        var parent = root.EndsWith('*') ? Path.GetDirectoryName(root)! : root;
        var prefix = root.EndsWith('*') ? Path.GetFileName(root).TrimEnd('*') : "";
        if (!System.IO.Directory.Exists(parent))
        {
            return [];
        }

        return System.IO.Directory.EnumerateDirectories(parent)
            .Select(path => (path, name: Path.GetFileName(path)))
            .Where(d => d.name.StartsWith(prefix, StringComparison.Ordinal) && (prefix.Length > 0 || root != "/opt/homebrew/opt" && root != "/usr/local/opt" || d.name.StartsWith("postgresql", StringComparison.Ordinal)))
            .Select(d => (d.path, Version: ParseLeadingNumber(d.name.Replace("postgresql@", "", StringComparison.Ordinal)[prefix.Length..])))
            .Where(d => d.Version > 0);
    }

    private static int ParseLeadingNumber(string text)
    {
        var digits = new string(text.TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, out var value) ? value : 0;
    }

    private static int ReadMajorVersion(string binDirectory)
    {
        // Debian: /usr/lib/postgresql/15/bin; otherwise share/postgresql/.. is not reliable, so ask pg_config when present.
        var fromPath = ParseLeadingNumber(Path.GetFileName(Path.GetDirectoryName(binDirectory) ?? "") ?? "");
        return fromPath > 0 ? fromPath : 0;
    }
}
