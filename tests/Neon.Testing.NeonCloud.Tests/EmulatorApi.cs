using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Neon.Api.Emulator;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>
/// Direct Neon API calls to the emulator, outside the product: to look at what is left, and to set the
/// scene (branches of crashed runs, foreign branches). Each call counts in the emulator's request counter.
/// </summary>
internal sealed class EmulatorApi(NeonApiEmulator emulator) : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);
    private readonly HttpClient _http = emulator.CreateHttpClient();

    private string Project => $"projects/{emulator.ProjectId}";

    public async Task<IReadOnlyList<EmulatedBranch>> ListBranchesAsync(CancellationToken cancellationToken)
    {
        var json = await GetAsync($"{Project}/branches", cancellationToken);
        return json["branches"]!.AsArray().Select(b => new EmulatedBranch(
            (string)b!["id"]!,
            (string)b["name"]!,
            (string?)b["parent_id"],
            (bool?)b["default"] == true,
            b["expires_at"] is { } expires ? DateTimeOffset.Parse((string)expires!, CultureInfo.InvariantCulture) : null)).ToList();
    }

    /// <summary>Names of every branch but the default one, sorted.</summary>
    public async Task<IReadOnlyList<string>> NonDefaultBranchNamesAsync(CancellationToken cancellationToken) =>
        (await ListBranchesAsync(cancellationToken)).Where(b => !b.IsDefault).Select(b => b.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>Creates a branch the way another tool (or a crashed run) would, and waits until it and its endpoint are ready.</summary>
    public async Task<string> CreateBranchAsync(string name, DateTimeOffset? expiresAt, bool withEndpoint, CancellationToken cancellationToken, string? parentId = null)
    {
        var branch = new JsonObject { ["name"] = name, ["parent_id"] = parentId ?? emulator.DefaultBranchId };
        if (expiresAt is { } expires)
        {
            branch["expires_at"] = expires.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        var body = new JsonObject { ["branch"] = branch };
        if (withEndpoint)
        {
            body["endpoints"] = new JsonArray(new JsonObject { ["type"] = "read_write" });
        }

        using var response = await _http.PostAsJsonAsync($"{Project}/branches", body, cancellationToken);
        var json = await ReadAsync(response, cancellationToken);
        var id = (string)json["branch"]!["id"]!;
        await WaitUntilAsync($"{Project}/branches/{id}", "branch", "ready", cancellationToken);
        foreach (var endpoint in json["endpoints"]?.AsArray() ?? [])
        {
            await WaitUntilAsync($"{Project}/endpoints/{(string)endpoint!["id"]!}", "endpoint", "active", cancellationToken);
        }

        return id;
    }

    public async Task DeleteBranchAsync(string branchId, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync($"{Project}/branches/{branchId}", cancellationToken);
        await ReadAsync(response, cancellationToken);
    }

    /// <summary>The role password Neon reveals for <paramref name="branchId"/>: one of the secrets no log may hold.</summary>
    public async Task<string> RevealPasswordAsync(string branchId, CancellationToken cancellationToken)
    {
        var json = await GetAsync($"{Project}/branches/{branchId}/roles/neondb_owner/reveal_password", cancellationToken);
        return (string)json["password"]!;
    }

    public void Dispose() => _http.Dispose();

    private async Task WaitUntilAsync(string path, string property, string state, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        while ((string?)(await GetAsync(path, timeout.Token))[property]!["current_state"] != state)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} from {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}: {text}");
        }

        return string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text) ?? new JsonObject();
    }
}
