using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neon.Testing.Engine.Providers.Local;

/// <summary>
/// The comment we put on every database and role we create. Nothing is reset, cloned into or
/// dropped unless it carries both our name prefix and this marker. <c>Kept</c> marks what is left on purpose (a failed
/// test's branch, <c>NeonKeepBranches</c>): the sweeper waits for its expiry even once its session is gone.
/// </summary>
internal sealed record DatabaseMarker(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("session")] string? Session,
    [property: JsonPropertyName("parent")] string? Parent,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("expires")] DateTimeOffset? Expires,
    [property: JsonPropertyName("kept"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Kept = false)
{
    private const string Tag = "neon-testing ";

    public string Format() => Tag + JsonSerializer.Serialize(this, DatabaseMarkerJson.Default.DatabaseMarker);

    public static DatabaseMarker? TryParse(string? comment)
    {
        if (comment is null || !comment.StartsWith(Tag, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(comment[Tag.Length..], DatabaseMarkerJson.Default.DatabaseMarker);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// The marker's serializer, generated at compile time: every session start writes markers and the sweep reads every
/// database's, and the reflection-based serializer costs tens of milliseconds of start-up (it emits code) on each run.
/// </summary>
[JsonSerializable(typeof(DatabaseMarker))]
internal sealed partial class DatabaseMarkerJson : JsonSerializerContext;
