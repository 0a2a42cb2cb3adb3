using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Api.Emulator;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Providers.NeonCloud;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.Faults.Tests.NeonCloud;

/// <summary>
/// One fault case's Neon: the API emulator on the suite's cluster (Neon's published rate limits on), a migration
/// folder with a fingerprint of its own, and sessions on providers the case builds (shortened timings, an optional
/// gate in front of the API). Disposing drops everything the emulator made.
/// </summary>
internal sealed class NeonFaultWorld : IAsyncDisposable
{
    /// <summary>Short emulated delays; the control flow is Neon's.</summary>
    public static readonly NeonApiEmulatorOptions Fast = new()
    {
        OperationSchedulingDelay = TimeSpan.FromMilliseconds(20),
        OperationRunningDelay = TimeSpan.FromMilliseconds(50),
        EndpointStartDelay = TimeSpan.FromMilliseconds(100),
        ExpiryCheckInterval = TimeSpan.FromMilliseconds(250),
        RateLimits = NeonRateLimits.Published,
    };

    /// <summary>Polls tuned for an emulator that answers in milliseconds.</summary>
    public static readonly NeonTimings QuickPolls = new() { FirstPollInterval = TimeSpan.FromMilliseconds(100), MaxPollInterval = TimeSpan.FromMilliseconds(500) };

    private readonly HttpClient _http;

    private NeonFaultWorld(NeonApiEmulator emulator, string migrations)
    {
        Emulator = emulator;
        Migrations = migrations;
        _http = emulator.CreateHttpClient();
    }

    public NeonApiEmulator Emulator { get; }

    public string Migrations { get; }

    public static async Task<NeonFaultWorld> StartAsync(CancellationToken cancellationToken, Func<NeonApiEmulatorOptions, NeonApiEmulatorOptions>? configure = null)
    {
        var migrations = Directory.CreateTempSubdirectory("neon-faults-migrations-").FullName;
        WriteMigrations(migrations);
        var options = (configure ?? (o => o))(Fast with { AdminConnectionString = TestPostgres.Server.AdminConnectionString });
        return new NeonFaultWorld(await NeonApiEmulator.StartAsync(options, cancellationToken), migrations);
    }

    /// <summary>Writes a migration set with a fingerprint of its own (two tables, seed rows, a short pause as real migrations take).</summary>
    public static void WriteMigrations(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "001_schema.sql"), $"""
            -- {Guid.NewGuid()}
            CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
            CREATE TABLE migration_runs (ran_at timestamptz NOT NULL DEFAULT clock_timestamp(), database name NOT NULL DEFAULT current_database());
            SELECT pg_sleep(1);
            """);
        File.WriteAllText(Path.Combine(folder, "002_seed.sql"), "INSERT INTO customers (name) VALUES ('seed-1'), ('seed-2'); INSERT INTO migration_runs DEFAULT VALUES;");
    }

    public NeonTestingOptions Options(TimeSpan? migrationCacheExpiry = null, TimeSpan? branchExpiry = null, Uri? apiUrl = null, string? migrations = null) => new()
    {
        Provider = ProviderKind.Neon,
        ApiUrl = apiUrl ?? Emulator.BaseAddress,
        ApiKey = Emulator.ApiKey,
        ProjectId = Emulator.ProjectId,
        Migrations = migrations ?? Migrations,
        MigrationCacheExpiry = migrationCacheExpiry ?? TimeSpan.Zero,
        BranchExpiry = branchExpiry ?? TimeSpan.FromMinutes(10),
        WorkingDirectory = migrations ?? Migrations,
    };

    /// <summary>Starts a session on its own provider (its own HTTP connections, nothing shared with other sessions); the provider is handed back for its figures.</summary>
    public static async Task<(TestDatabaseSession Session, NeonBranchProvider Provider)> StartSessionAsync(
        NeonTestingOptions options,
        CancellationToken cancellationToken,
        NeonResilienceOptions? resilience = null,
        NeonTimings? timings = null,
        ILogger? logger = null,
        Action<NeonBranchProvider>? configure = null)
    {
        NeonBranchProvider? provider = null;
        var session = await TestDatabaseSession.StartAsync(
            options,
            logger ?? NullLogger.Instance,
            (o, l, _) =>
            {
                provider = new NeonBranchProvider(o, l, handler: null, resilience ?? new NeonResilienceOptions(), timings ?? QuickPolls, timeProvider: null);
                configure?.Invoke(provider);
                return Task.FromResult<IBranchProvider>(provider);
            },
            cancellationToken);
        return (session, provider!);
    }

    /// <summary>Every branch of the project as the API lists it, with its annotation value when it has one.</summary>
    public async Task<IReadOnlyList<ListedBranch>> BranchesAsync(CancellationToken cancellationToken)
    {
        var json = await SendAsync(HttpMethod.Get, $"projects/{Emulator.ProjectId}/branches", cancellationToken);
        var annotations = json["annotations"]!.AsObject();
        return json["branches"]!.AsArray().Select(b =>
        {
            var id = (string)b!["id"]!;
            return new ListedBranch(
                id,
                (string)b["name"]!,
                (string?)b["parent_id"],
                (bool?)b["default"] == true,
                b["expires_at"] is { } e ? DateTimeOffset.Parse((string)e!, CultureInfo.InvariantCulture) : null,
                annotations[id]?["value"]?.AsObject().ToDictionary(p => p.Key, p => (string?)p.Value ?? ""));
        }).ToList();
    }

    /// <summary>The non-default branches, by name.</summary>
    public async Task<IReadOnlyList<string>> LeftoverNamesAsync(CancellationToken cancellationToken) =>
        (await BranchesAsync(cancellationToken)).Where(b => !b.IsDefault).Select(b => b.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>Raw call, outside the product; the status and body (empty for 204).</summary>
    public async Task<(int Status, JsonNode? Body)> CallAsync(HttpMethod method, string path, CancellationToken cancellationToken, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Emulator.DisposeAsync();
        Directory.Delete(Migrations, recursive: true);
    }

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        var (status, body) = await CallAsync(method, path, cancellationToken);
        Assert.AreEqual(200, status, $"{method} {path}");
        return body!;
    }
}

/// <summary>A branch as the API lists it.</summary>
internal sealed record ListedBranch(string Id, string Name, string? ParentId, bool IsDefault, DateTimeOffset? ExpiresAt, IReadOnlyDictionary<string, string>? Annotation);
