namespace Neon.Testing.Engine;

/// <summary>Quoting for PostgreSQL identifiers and literals we must splice into DDL (which takes no parameters).</summary>
internal static class PgIdentifier
{
    /// <summary>Double-quotes an identifier, doubling embedded quotes.</summary>
    public static string Quote(string identifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        if (identifier.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("Identifiers cannot contain NUL.", nameof(identifier));
        }

        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Single-quotes a string literal (standard_conforming_strings is on since PostgreSQL 9.1).</summary>
    public static string Literal(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("Literals cannot contain NUL.", nameof(value));
        }

        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
