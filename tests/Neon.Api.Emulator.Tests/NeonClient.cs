using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace Neon.Api.Emulator.Tests;

/// <summary>Plain HTTP against the emulator, the way a Neon API client would talk to it.</summary>
internal sealed class NeonClient : IDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http;
    private readonly string _apiKey;
    private readonly CancellationToken _cancellationToken;

    public NeonClient(NeonApiEmulator emulator, CancellationToken cancellationToken)
    {
        _http = new HttpClient { BaseAddress = emulator.BaseAddress };
        _apiKey = emulator.ApiKey;
        _cancellationToken = cancellationToken;
        Project = $"projects/{emulator.ProjectId}";
        DefaultBranchId = emulator.DefaultBranchId;
    }

    /// <summary>Path of the project, relative to the API root.</summary>
    public string Project { get; }

    public string DefaultBranchId { get; }

    public HttpClient Http => _http;

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public Task<ApiResponse> PostAsync(string path, JsonNode? body) => SendAsync(HttpMethod.Post, path, body?.ToJsonString());

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? body = null, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        // An empty key sends no Authorization header at all.
        apiKey ??= _apiKey;
        if (apiKey.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        using var response = await _http.SendAsync(request, _cancellationToken);
        var text = await response.Content.ReadAsStringAsync(_cancellationToken);
        var json = string.IsNullOrEmpty(text) ? null : JsonNode.Parse(text)!.AsObject();
        return new ApiResponse(response.StatusCode, json, response.Headers, response.Content.Headers.ContentType?.ToString());
    }

    /// <summary>createProjectBranch, expecting 201.</summary>
    public async Task<JsonObject> CreateBranchAsync(string? parentId = null, string? name = null, string? expiresAt = null, params string[] endpoints)
    {
        var response = await PostAsync($"{Project}/branches", BranchRequest(parentId, name, expiresAt, endpoints));
        return response.Expect(HttpStatusCode.Created).Body;
    }

    public static JsonObject BranchRequest(string? parentId = null, string? name = null, string? expiresAt = null, params string[] endpoints)
    {
        var branch = new JsonObject();
        if (parentId is not null)
        {
            branch["parent_id"] = parentId;
        }

        if (name is not null)
        {
            branch["name"] = name;
        }

        if (expiresAt is not null)
        {
            branch["expires_at"] = expiresAt;
        }

        return new JsonObject
        {
            ["branch"] = branch,
            ["endpoints"] = new JsonArray([.. endpoints.Select(t => (JsonNode)new JsonObject { ["type"] = t })]),
        };
    }

    /// <summary>Polls getProjectOperation until every operation in <paramref name="response"/> is finished; fails on <c>failed</c>.</summary>
    public async Task WaitForOperationsAsync(JsonObject response)
    {
        foreach (var operation in response["operations"]!.AsArray())
        {
            var status = await WaitForOperationAsync(operation!["id"]!.GetValue<string>(), s => s is "finished" or "failed" or "error");
            Assert.AreEqual("finished", status, $"operation {operation["action"]} ended {status}");
        }
    }

    /// <summary>Polls an operation until <paramref name="done"/> holds for its status; returns that status.</summary>
    public async Task<string> WaitForOperationAsync(string operationId, Func<string, bool> done)
    {
        var status = "";
        await Until(async () => done(status = await OperationStatusAsync(operationId)), $"operation {operationId} (last status {status})");
        return status;
    }

    public async Task<string> OperationStatusAsync(string operationId) =>
        (await GetAsync($"{Project}/operations/{operationId}")).Expect(HttpStatusCode.OK).Body["operation"]!["status"]!.GetValue<string>();

    public async Task<string> EndpointStateAsync(string endpointId) =>
        (await GetAsync($"{Project}/endpoints/{endpointId}")).Expect(HttpStatusCode.OK).Body["endpoint"]!["current_state"]!.GetValue<string>();

    public async Task WaitForEndpointActiveAsync(string endpointId) =>
        await Until(async () => await EndpointStateAsync(endpointId) == "active", $"endpoint {endpointId} to become active");

    /// <summary>getConnectionURI for the branch (and endpoint), as an Npgsql connection string.</summary>
    public async Task<string> ConnectionStringAsync(string? branchId = null, string? endpointId = null, bool pooled = false)
    {
        var query = "database_name=neondb&role_name=neondb_owner" + (pooled ? "&pooled=true" : "");
        if (branchId is not null)
        {
            query += $"&branch_id={branchId}";
        }

        if (endpointId is not null)
        {
            query += $"&endpoint_id={endpointId}";
        }

        var uri = (await GetAsync($"{Project}/connection_uri?{query}")).Expect(HttpStatusCode.OK).Body["uri"]!.GetValue<string>();
        return ToNpgsql(uri);
    }

    /// <summary>A <c>postgresql://</c> URI as an Npgsql connection string (no pooling: tests look at fresh sessions).</summary>
    public static string ToNpgsql(string uri)
    {
        var parsed = new Uri(uri);
        Assert.AreEqual("postgresql", parsed.Scheme);
        var user = parsed.UserInfo.Split(':', 2);
        var query = parsed.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "");
        return new NpgsqlConnectionStringBuilder
        {
            Host = parsed.Host,
            Port = parsed.Port,
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            Database = Uri.UnescapeDataString(parsed.AbsolutePath.TrimStart('/')),
            SslMode = query.GetValueOrDefault("sslmode") switch
            {
                "require" => SslMode.Require,
                "disable" => SslMode.Disable,
                _ => SslMode.Prefer,
            },
            Pooling = false,
            Timeout = 30,
        }.ConnectionString;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after 30 s (a liveness bound, not a timing assert).</summary>
    public async Task Until(Func<Task<bool>> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > WaitLimit)
            {
                Assert.Fail($"Gave up waiting for {what}.");
            }

            await Task.Delay(25, _cancellationToken);
        }
    }

    public void Dispose() => _http.Dispose();
}
