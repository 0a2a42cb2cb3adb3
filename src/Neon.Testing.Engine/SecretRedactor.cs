using System.Text.RegularExpressions;
using Npgsql;

namespace Neon.Testing.Engine;

/// <summary>Removes passwords and connection strings from text that may reach a log or an exception.</summary>
public static partial class SecretRedactor
{
    private const string Mask = "***";

    /// <summary>Replaces <paramref name="connectionString"/> and its password in <paramref name="text"/> with <c>***</c>.</summary>
    public static string Redact(string text, string? connectionString)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrEmpty(connectionString))
        {
            return text;
        }

        text = text.Replace(connectionString, Mask, StringComparison.Ordinal);
        try
        {
            var password = new NpgsqlConnectionStringBuilder(connectionString).Password;
            if (!string.IsNullOrEmpty(password))
            {
                text = text.Replace(password, Mask, StringComparison.Ordinal);
            }
        }
        catch (ArgumentException)
        {
            // Not a keyword connection string: the whole-string replacement above and the patterns below remain.
        }

        return MaskPasswordPatterns(text);
    }

    /// <summary>Masks anything shaped like a password: <c>Password=...</c> in a connection string, <c>user:...@</c> in a URL.</summary>
    public static string MaskPasswordPatterns(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = PasswordKeyword().Replace(text, m => m.Groups["key"].Value + Mask);
        return UrlPassword().Replace(text, m => m.Groups["head"].Value + Mask + "@");
    }

    /// <summary>A connection string safe to show: the password removed.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"Host={builder.Host};Port={builder.Port};Database={builder.Database};Username={builder.Username}";
    }

    [GeneratedRegex(@"(?<key>\b(?:Password|Pwd)\s*=\s*)(?:""[^""]*""|'[^']*'|[^;]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordKeyword();

    [GeneratedRegex(@"(?<head>\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();
}
