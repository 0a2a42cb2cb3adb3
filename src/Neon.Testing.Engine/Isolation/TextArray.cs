using System.Text.Json;
using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>
/// A <c>text[]</c> column read as JSON text. Npgsql resolves array types after every other type resolver, so the first
/// <c>GetFieldValue&lt;string[]&gt;</c> of a process builds the mappings of all of them (geometry, ranges, network, full
/// text...): hundreds of methods compiled on the tracker's attach, which every session start waits for.
/// </summary>
internal static class TextArray
{
    /// <summary>The SQL that selects <paramref name="expression"/> (a <c>text[]</c>) for <see cref="Read"/>.</summary>
    public static string Select(string expression) => $"array_to_json({expression})::text";

    /// <summary>The array selected by <see cref="Select"/> at <paramref name="ordinal"/>; null for SQL NULL.</summary>
    public static string[]? Read(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Parse(reader.GetString(ordinal));

    public static string[] Parse(string json)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw new FormatException("Expected a JSON array of strings.");
        }

        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(reader.TokenType == JsonTokenType.String
                ? reader.GetString()!
                : throw new FormatException($"Expected a string in the array, found {reader.TokenType}."));
        }

        return [.. items];
    }
}
