using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neon.Api;

/// <summary>
/// Reads RFC 3339 timestamps and writes them the way Neon does: UTC with a <c>Z</c> and no
/// fractional part unless there is one (<c>2025-01-16T21:02:01Z</c>), not <c>+00:00</c>.
/// </summary>
internal sealed class NeonTimestampConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TryGetDateTimeOffset(out var value))
        {
            return value;
        }

        var text = reader.GetString();
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value))
        {
            return value;
        }

        throw new JsonException($"'{text}' is not an RFC 3339 timestamp.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}
