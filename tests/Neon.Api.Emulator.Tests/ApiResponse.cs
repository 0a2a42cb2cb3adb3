using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Neon.Api.Emulator.Tests;

/// <summary>A response as the tests look at it: status, JSON body (null when empty), headers.</summary>
internal sealed record ApiResponse(HttpStatusCode Status, JsonObject? Json, HttpResponseHeaders Headers, string? ContentType)
{
    public JsonObject Body => Json ?? throw new AssertFailedException($"Expected a JSON body with {(int)Status}.");

    public ApiResponse Expect(HttpStatusCode status)
    {
        Assert.AreEqual(status, Status, Json?.ToJsonString());
        return this;
    }
}
