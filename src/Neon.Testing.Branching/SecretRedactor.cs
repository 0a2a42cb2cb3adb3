using Npgsql;

namespace Neon.Testing.Branching;

/// <summary>Removes passwords and connection strings from text that may reach a log or an exception.</summary>
public static class SecretRedactor
{
    /// <summary>Replaces <paramref name="connectionString"/> and its password in <paramref name="text"/> with <c>***</c>.</summary>
    public static string Redact(string text, string? connectionString)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrEmpty(connectionString))
        {
            return text;
        }

        text = text.Replace(connectionString, "***", StringComparison.Ordinal);
        try
        {
            var password = new NpgsqlConnectionStringBuilder(connectionString).Password;
            if (!string.IsNullOrEmpty(password))
            {
                text = text.Replace(password, "***", StringComparison.Ordinal);
            }
        }
        catch (ArgumentException)
        {
            // Not a keyword connection string: the whole-string replacement above is all we can do.
        }

        return text;
    }

    /// <summary>A connection string safe to show: the password removed.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"Host={builder.Host};Port={builder.Port};Database={builder.Database};Username={builder.Username}";
    }
}
