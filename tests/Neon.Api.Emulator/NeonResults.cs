using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Neon.Api.Emulator;

/// <summary>JSON answers with Neon's content type.</summary>
internal static class NeonResults
{
    public const string ContentType = "application/json; charset=utf-8";

    // Neon's encoder leaves quotes and apostrophes alone; the default one escapes them.
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IResult Json(JsonNode body, int statusCode = StatusCodes.Status200OK) =>
        Results.Text(body.ToJsonString(Options), ContentType, statusCode: statusCode);

    public static Task WriteErrorAsync(HttpContext context, int statusCode, string code, string message)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = ContentType;
        return context.Response.WriteAsync(NeonJson.Error(code, message).ToJsonString(Options), context.RequestAborted);
    }
}
