using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Neon.Testing.Engine.Providers.Local;

/// <summary>
/// The comment we put on every database and role we create. Nothing is reset, cloned into or
/// dropped unless it carries both our name prefix and this marker. <c>Kept</c> marks what is left on purpose (a failed
/// test's branch, <c>NeonKeepBranches</c>): the sweeper waits for its expiry even once its session is gone.
/// </summary>
/// <remarks>
/// Written and read with the JSON writer and reader by hand: every session start writes markers and its sweep reads every
/// database's, and the serializer (reflection or generated) compiled some 200 methods just in time for these six fields.
/// The text is the serializer's: markers of earlier versions read the same.
/// </remarks>
internal sealed record DatabaseMarker(string Kind, string? Session, string? Parent, DateTimeOffset Created, DateTimeOffset? Expires, bool Kept = false)
{
    private const string Tag = "neon-testing ";

    public string Format()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", Kind);
            json.WriteString("session", Session);
            json.WriteString("parent", Parent);
            json.WriteString("created", Created);
            if (Expires is { } expires)
            {
                json.WriteString("expires", expires);
            }
            else
            {
                json.WriteNull("expires");
            }

            if (Kept)
            {
                json.WriteBoolean("kept", true);
            }

            json.WriteEndObject();
        }

        return Tag + Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The marker in <paramref name="comment"/>; null when it is not one of ours (or not readable as one).</summary>
    public static DatabaseMarker? TryParse(string? comment)
    {
        if (comment is null || !comment.StartsWith(Tag, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return Parse(Encoding.UTF8.GetBytes(comment, Tag.Length, comment.Length - Tag.Length));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private static DatabaseMarker? Parse(byte[] utf8)
    {
        var json = new Utf8JsonReader(utf8);
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? kind = null, session = null, parent = null;
        DateTimeOffset? created = null, expires = null;
        var kept = false;
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            var name = json.GetString();
            json.Read();
            var isNull = json.TokenType == JsonTokenType.Null;
            switch (name)
            {
                case "kind": kind = isNull ? null : json.GetString(); break;
                case "session": session = isNull ? null : json.GetString(); break;
                case "parent": parent = isNull ? null : json.GetString(); break;
                case "created": created = isNull ? null : json.GetDateTimeOffset(); break;
                case "expires": expires = isNull ? null : json.GetDateTimeOffset(); break;
                case "kept": kept = !isNull && json.GetBoolean(); break;
                default: json.Skip(); break;
            }
        }

        if (json.TokenType != JsonTokenType.EndObject || json.Read())
        {
            return null;
        }

        return kind is null || created is null ? null : new DatabaseMarker(kind, session, parent, created.Value, expires, kept);
    }
}
