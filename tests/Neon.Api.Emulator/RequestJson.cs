using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Neon.Api.Emulator;

/// <summary>Reads request bodies the way Neon's decoder answers them: 400 with <c>invalid request: decode application/json: ...</c>.</summary>
internal static partial class RequestJson
{
    /// <summary>The body as an object, or <see langword="null"/> when it is empty.</summary>
    public static async Task<JsonObject?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw Invalid($"malformed JSON ({e.Message})");
        }

        return node as JsonObject ?? throw Invalid("the body must be a JSON object");
    }

    public static NeonApiException Invalid(string detail) => NeonApiException.BadRequest($"invalid request: decode application/json: {detail}");

    public static NeonApiException Missing(string field) => Invalid($"invalid: {field} (field required)");

    public static JsonObject? Object(JsonObject? parent, string name, string path)
    {
        var node = parent?[name];
        return node switch
        {
            null => null,
            JsonObject o => o,
            _ => throw Invalid($"invalid: {path} (expected an object)"),
        };
    }

    public static JsonArray? Array(JsonObject? parent, string name, string path)
    {
        var node = parent?[name];
        return node switch
        {
            null => null,
            JsonArray a => a,
            _ => throw Invalid($"invalid: {path} (expected an array)"),
        };
    }

    public static string? String(JsonObject? parent, string name, string path)
    {
        var node = parent?[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }

        throw Invalid($"invalid: {path} (expected a string)");
    }

    public static bool? Boolean(JsonObject? parent, string name, string path)
    {
        var node = parent?[name];
        if (node is null)
        {
            return null;
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid($"invalid: {path} (expected a boolean)"),
        };
    }

    /// <summary>An id as the spec patterns them: <c>^[a-z0-9-]{1,60}$</c>.</summary>
    public static string? Id(JsonObject? parent, string name, string path)
    {
        var id = String(parent, name, path);
        if (id is null || id.Length == 0)
        {
            return null;
        }

        return IdPattern().IsMatch(id) ? id : throw Invalid($"invalid: {path} (string: no regex match: ^[a-z0-9-]{{1,60}}$)");
    }

    /// <summary>An endpoint type: <c>read_write</c> or <c>read_only</c>.</summary>
    public static string EndpointType(JsonObject item, string path)
    {
        var type = String(item, "type", path) ?? throw Missing(path);
        return type is EndpointRecord.ReadWrite or EndpointRecord.ReadOnly
            ? type
            : throw Invalid($"invalid: {path} (invalid value: {type})");
    }

    [GeneratedRegex("^[a-z0-9-]{1,60}$")]
    private static partial Regex IdPattern();
}
