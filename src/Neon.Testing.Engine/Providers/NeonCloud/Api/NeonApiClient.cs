using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neon.Api;

/// <summary>
/// Client for the Neon API v2 operations the SDK uses. Give it an <see cref="HttpClient"/> whose
/// <see cref="HttpClient.BaseAddress"/> is the API root (ending in <c>/</c>) and whose handlers add authentication.
/// </summary>
internal partial class NeonApiClient
{
    /// <summary>The serializer options the client reads responses and writes requests with.</summary>
    public static JsonSerializerOptions SerializerOptions => _settings.Value;

    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings)
    {
        // Absent stays absent: optional properties Neon did not send are not written back as null,
        // and requests carry only what the caller set.
        settings.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        settings.Converters.Add(new NeonTimestampConverter());
    }
}
