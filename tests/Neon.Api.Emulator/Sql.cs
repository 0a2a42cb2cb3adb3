namespace Neon.Api.Emulator;

/// <summary>Quoting for the few places SQL cannot take parameters (identifiers, DDL passwords).</summary>
internal static class Sql
{
    /// <summary><c>"name"</c>, with embedded quotes doubled.</summary>
    public static string Identifier(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 63 || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a PostgreSQL identifier.", nameof(name));
        }

        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary><c>'text'</c>, with embedded quotes doubled (standard_conforming_strings is on since PostgreSQL 9.1).</summary>
    public static string Literal(string text)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A PostgreSQL literal cannot hold a NUL character.", nameof(text));
        }

        return "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
