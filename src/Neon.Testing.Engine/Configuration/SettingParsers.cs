using System.Globalization;

namespace Neon.Testing.Engine.Configuration;

/// <summary>The value parsers the catalogue's settings share. Each throws <see cref="SettingValueException"/> on a bad value.</summary>
internal static class SettingParsers
{
    public static string Text(string value) => value;

    public static bool Boolean(string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new SettingValueException(", which is not a boolean", "Use 'true' or 'false'."),
    };

    public static T Enum<T>(string value)
        where T : struct, System.Enum
    {
        // Neither numbers nor flag combinations ('Isolated,Shared' would parse as Shared): one of the names.
        if (!value.Contains(',', StringComparison.Ordinal) && System.Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed) && !int.TryParse(value, out _))
        {
            return parsed;
        }

        throw new SettingValueException("", $"Use one of: {string.Join(", ", System.Enum.GetNames<T>())}.");
    }

    /// <summary>A whole number from 0 to <paramref name="maximum"/>.</summary>
    public static int Count(string value, int maximum) =>
        int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count <= maximum
            ? count
            : throw new SettingValueException(", which is not a whole number", $"Use a number from 0 to {maximum}.");

    /// <summary>
    /// Accepts seconds (<c>600</c>), a suffixed value (<c>90s</c>, <c>10m</c>, <c>2h</c>, <c>1d</c>) or <c>hh:mm:ss</c>,
    /// up to <paramref name="maximum"/> (a longer one would overflow a date, or be refused by Neon at session start).
    /// </summary>
    public static TimeSpan Duration(string value, bool allowZero, TimeSpan maximum)
    {
        TimeSpan? parsed = null;
        var text = value.Trim().ToLowerInvariant();
        var unit = text.Length > 0 ? text[^1] : ' ';
        var number = char.IsLetter(unit) ? text[..^1] : text;
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0 && double.IsFinite(amount))
        {
            double? seconds = unit switch
            {
                's' or >= '0' and <= '9' => amount,
                'm' => amount * 60,
                'h' => amount * 3600,
                'd' => amount * 86400,
                _ => null,
            };

            // Compared as a number first: TimeSpan.FromSeconds(1e300) throws instead of saying which setting is wrong.
            if (seconds is { } total)
            {
                parsed = total > maximum.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(total);
            }
        }
        else if (text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            parsed = span;
        }

        if (parsed > maximum)
        {
            throw new SettingValueException(
                $", which is longer than the longest allowed, {Describe(maximum)}",
                $"Use at most {Describe(maximum)}: seconds ('600'), a suffix ('90s', '10m', '2h', '1d') or 'hh:mm:ss'.");
        }

        if (parsed is null || (!allowZero && parsed == TimeSpan.Zero))
        {
            throw new SettingValueException(
                $", which is not a duration{(allowZero ? "" : " above zero")}",
                "Use seconds ('600'), a suffix ('90s', '10m', '2h', '1d') or 'hh:mm:ss'.");
        }

        return parsed.Value;
    }

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? $"{span.TotalDays:0}d" : $"{span.TotalSeconds:0}s";

    public static Uri HttpAddress(string value)
    {
        if (Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }

        throw new SettingValueException(", which is not an http(s) address", "Clear it to use the Neon API.");
    }

    public static string PostgresName(string value)
    {
        // PostgreSQL truncates identifiers at 63 bytes (UTF-8, not characters); a longer name would silently mean another one.
        if (System.Text.Encoding.UTF8.GetByteCount(value) > 63 || value.Any(char.IsControl))
        {
            throw new SettingValueException(", which is not a PostgreSQL name", "Use at most 63 bytes (63 ASCII characters, fewer accented ones) and no control characters.");
        }

        return value;
    }

    /// <summary>A Neon project id (<c>young-sun-12345678</c>): it goes into every API address, so it is checked here, not by a 404.</summary>
    public static string ProjectId(string value)
    {
        if (value.Length <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return value;
        }

        throw new SettingValueException(", which is not a Neon project id", "Use the id the Neon console shows under Project settings (e.g. 'young-sun-12345678'): letters, digits and '-'.");
    }

    /// <summary>An API key: a bearer token of visible ASCII. One with spaces or control characters (a pasted line break) is refused without being shown.</summary>
    public static string ApiKey(string value)
    {
        if (value.All(c => c is > ' ' and < (char)127))
        {
            return value;
        }

        throw new SettingValueException(", which holds spaces, control or non-ASCII characters", "Copy the key again from the Neon console (Account settings, API keys) without surrounding text or line breaks.");
    }

    public static string VariableName(string value)
    {
        if (value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(value[0]))
        {
            return value;
        }

        throw new SettingValueException("", "Use letters, digits and underscores only, not starting with a digit (e.g. 'DATABASE_URL').");
    }

    /// <summary>A .NET type's name (<c>AppDbContext</c>) or full name (<c>MyApp.Data.AppDbContext</c>), without its assembly.</summary>
    public static string TypeName(string value)
    {
        var valid = value.Split('.', '+').All(part => part.Length > 0 && !char.IsAsciiDigit(part[0]) && part.All(c => char.IsLetterOrDigit(c) || c == '_'));
        if (!valid)
        {
            throw new SettingValueException(", which is not a type name", "Use the context's class name (e.g. 'AppDbContext') or its full name (e.g. 'MyApp.Data.AppDbContext').");
        }

        return value;
    }

    /// <summary>A folder of <c>.sql</c> files or one file, relative to the working directory; kept as given.</summary>
    public static string ExistingPath(string value, string workingDirectory)
    {
        var path = Path.GetFullPath(value, workingDirectory);
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            throw new SettingValueException($", which points at '{path}', which does not exist", "Use a folder of .sql files relative to the project, or clear it.");
        }

        return value;
    }

    /// <summary><c>;</c>-separated globs relative to the working directory; each one that includes must match a file.</summary>
    public static string Globs(string value, string workingDirectory)
    {
        try
        {
            _ = Migrations.MigrationInputs.Find(value, workingDirectory);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new SettingValueException($", but {e.Message.TrimEnd('.')}",
                "List the files the migration command reads as globs relative to the project folder, separated by ';' (e.g. '../App/Migrations/**/*.cs;../App/App.csproj'); '!' excludes.");
        }

        return value;
    }

    /// <summary>
    /// A folder that exists or can be created: checked here so a bad path fails with the setting's
    /// name instead of an I/O error deep in the cluster's start-up. Nothing is left behind.
    /// </summary>
    public static string CreatableDirectory(string value)
    {
        string path;
        try
        {
            // Resolved as the embedded cluster resolves it: against the current directory.
            path = Path.GetFullPath(value);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new SettingValueException(", which is not a valid path", "Use a folder the tests may write to, e.g. /var/tmp/neon-testing, or clear it.");
        }

        if (File.Exists(path))
        {
            throw new SettingValueException($", which is the file '{path}', not a folder", "Use a folder the tests may write to, or clear it.");
        }

        var existing = path;
        while (!Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null || File.Exists(parent))
            {
                throw new SettingValueException($", which cannot be created ('{parent ?? path}' is not a folder)", "Use a folder the tests may write to, or clear it.");
            }

            existing = parent;
        }

        // The folder, or when it is missing its nearest existing ancestor, must let us create in it.
        var probe = Path.Combine(existing, ".neon-testing-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var problem = existing == path ? $", a folder the tests cannot write to ({e.GetType().Name})" : $", which cannot be created in '{existing}' ({e.GetType().Name})";
            throw new SettingValueException(problem, "Use a folder the tests may write to, or clear it.");
        }

        return value;
    }

    public static string ConnectionString(string value)
    {
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(value);
            return value;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // The value holds a password: neither it nor Npgsql's message about it is repeated.
            throw new SettingValueException(
                ", which is not a valid Npgsql connection string",
                "Use e.g. 'Host=localhost;Username=me;Password=...', or clear it to use the embedded PostgreSQL.");
        }
    }
}
