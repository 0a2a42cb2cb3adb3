using Microsoft.Extensions.Logging;
using Neon.Api.Emulator;
using Neon.Testing.Engine;
using Npgsql;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>
/// One test's world: an emulator on the shared embedded cluster (its own project, default branch and
/// databases), a folder of <c>.sql</c> migrations, a log of everything the product and the emulator
/// wrote, and the secrets that log must never contain. Disposing drops all of it.
/// </summary>
internal sealed class NeonFixture : IAsyncDisposable
{
    /// <summary>Short emulated delays: the control flow is Neon's, the waiting is not.</summary>
    public static readonly NeonApiEmulatorOptions Fast = new()
    {
        OperationSchedulingDelay = TimeSpan.FromMilliseconds(20),
        OperationRunningDelay = TimeSpan.FromMilliseconds(50),
        EndpointStartDelay = TimeSpan.FromMilliseconds(100),
        ExpiryCheckInterval = TimeSpan.FromMilliseconds(500),
    };

    private readonly HashSet<string> _passwords = new(StringComparer.Ordinal);
    private readonly List<string> _texts = [];

    private NeonFixture(NeonApiEmulator emulator, LogCollector log, string migrations)
    {
        Emulator = emulator;
        Log = log;
        Migrations = migrations;
        Api = new EmulatorApi(emulator);
    }

    public NeonApiEmulator Emulator { get; }

    public EmulatorApi Api { get; }

    public LogCollector Log { get; }

    /// <summary>The session's logger; the provider logs through it too.</summary>
    public ILogger SessionLog => Log.For("session");

    /// <summary>Folder with <c>001_schema.sql</c> (customers, migration_runs) and <c>002_seed.sql</c> (two customers, one run).</summary>
    public string Migrations { get; }

    public static async Task<NeonFixture> StartAsync(CancellationToken cancellationToken, Func<NeonApiEmulatorOptions, NeonApiEmulatorOptions>? configure = null)
    {
        var log = new LogCollector();
        var migrations = Directory.CreateTempSubdirectory("neon-session-migrations-").FullName;
        File.WriteAllText(Path.Combine(migrations, "001_schema.sql"), $"""
            -- {Guid.NewGuid()}: a unique fingerprint per test
            CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
            CREATE TABLE migration_runs (ran_at timestamptz NOT NULL DEFAULT clock_timestamp(), database name NOT NULL DEFAULT current_database());
            """);
        File.WriteAllText(Path.Combine(migrations, "002_seed.sql"), """
            INSERT INTO customers (name) VALUES ('seed-1'), ('seed-2');
            INSERT INTO migration_runs DEFAULT VALUES;
            """);
        try
        {
            var options = (configure ?? (o => o))(Fast with { AdminConnectionString = TestPostgres.Server.AdminConnectionString, LoggerFactory = log });
            var emulator = await NeonApiEmulator.StartAsync(options, cancellationToken);
            return new NeonFixture(emulator, log, migrations);
        }
        catch
        {
            Directory.Delete(migrations, recursive: true);
            throw;
        }
    }

    /// <summary>Session options for this emulator; template caching is off unless <paramref name="migrationCacheExpiry"/> says otherwise.</summary>
    public NeonTestingOptions Options(TimeSpan? migrationCacheExpiry = null) => new()
    {
        Provider = ProviderKind.Neon,
        ApiUrl = Emulator.BaseAddress,
        ApiKey = Emulator.ApiKey,
        ProjectId = Emulator.ProjectId,
        Migrations = Migrations,
        MigrationCacheExpiry = migrationCacheExpiry ?? TimeSpan.Zero,
        WorkingDirectory = Migrations,
    };

    /// <summary>Remembers the password of a connection string the product handed out, so the log scan looks for it.</summary>
    public string Track(string connectionString)
    {
        var password = new NpgsqlConnectionStringBuilder(connectionString).Password;
        Assert.IsFalse(string.IsNullOrEmpty(password), "a Neon connection string carries the role's password");
        lock (_passwords)
        {
            _passwords.Add(password);
        }

        return connectionString;
    }

    /// <summary>Adds text that reached the test from the product (an exception's full text), for the scan.</summary>
    public void Observe(Exception exception)
    {
        lock (_texts)
        {
            _texts.Add(exception.ToString());
        }
    }

    /// <summary>Asserts that no log line (nor any observed exception) holds the API key, the revealed role password or a handed-out password.</summary>
    public async Task AssertNoSecretsLoggedAsync(CancellationToken cancellationToken, bool requireProductLines = true)
    {
        var secrets = new List<(string What, string Value)>
        {
            ("the API key", Emulator.ApiKey),
            ("the role password Neon reveals", await Api.RevealPasswordAsync(Emulator.DefaultBranchId, cancellationToken)),
        };
        lock (_passwords)
        {
            secrets.AddRange(_passwords.Select(p => ("a connection string's password", p)));
        }

        var entries = Log.Entries;
        Assert.IsTrue(!requireProductLines || entries.Any(e => e.Source == "session"), "the scan needs the product's log lines to look at");
        List<(string Source, string Text)> texts;
        lock (_texts)
        {
            texts = [.. entries.Select(e => (e.Source + " " + e.Level, e.Text)), .. _texts.Select(t => ("an exception", t))];
        }

        foreach (var (source, text) in texts)
        {
            foreach (var (what, value) in secrets)
            {
                // Never print the line itself (an assertion on the text would): it holds the secret.
                Assert.IsFalse(text.Contains(value, StringComparison.Ordinal), $"{source} contains {what}.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Emulator.DisposeAsync();
        Directory.Delete(Migrations, recursive: true);
    }
}
