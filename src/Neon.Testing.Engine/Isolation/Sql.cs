using System.Globalization;
using System.Text;

namespace Neon.Testing.Engine.Isolation;

/// <summary>Quoting for identifiers and the few literals that cannot be parameters (DDL, trigger arguments).</summary>
internal static class Sql
{
    /// <summary>The schema that holds every object change tracking creates.</summary>
    public const string Schema = "neon_testing";

    /// <summary>Name of the statement-level trigger put on every tracked table.</summary>
    public const string TrackTrigger = "neon_testing_track";

    public static string Quote(string identifier) => PgIdentifier.Quote(identifier);

    public static string Qualify(string schema, string name) => Quote(schema) + "." + Quote(name);

    /// <summary>An object of ours: <c>"neon_testing"."name"</c>.</summary>
    public static string Ours(string name) => Qualify(Schema, name);

    public static string Literal(string value) => PgIdentifier.Literal(value);

    public static string Literal(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Literal(uint value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A comma-separated list of quoted identifiers, each optionally prefixed by an alias.</summary>
    public static string Columns(IEnumerable<string> columns, string? alias = null)
    {
        var builder = new StringBuilder();
        foreach (var column in columns)
        {
            if (builder.Length > 0)
            {
                builder.Append(", ");
            }

            if (alias is not null)
            {
                builder.Append(alias).Append('.');
            }

            builder.Append(Quote(column));
        }

        return builder.ToString();
    }

    /// <summary><c>a."k1" = b."k1" AND a."k2" = b."k2"</c>.</summary>
    public static string Equal(IEnumerable<string> columns, string left, string right)
        => string.Join(" AND ", columns.Select(c => $"{left}.{Quote(c)} = {right}.{Quote(c)}"));
}
