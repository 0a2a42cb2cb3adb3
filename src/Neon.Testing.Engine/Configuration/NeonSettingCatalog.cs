using static Neon.Testing.Engine.Configuration.SettingParsers;

namespace Neon.Testing.Engine.Configuration;

/// <summary>
/// Every setting, defined once. <see cref="NeonTestingOptions"/> takes its defaults from here and parses
/// through it; the environment variables, the <c>--neon-*</c> options and the <c>NEON1xxx</c> codes are
/// read from it; tests hold the SDK's targets and the READMEs to it.
/// </summary>
public static class NeonSettingCatalog
{
    // Neon refuses a branch expiry more than 30 days ahead; a year bounds the template cache (and keeps dates in range).
    private static readonly TimeSpan MaxBranchExpiry = TimeSpan.FromDays(30);
    private static readonly TimeSpan MaxMigrationCacheExpiry = TimeSpan.FromDays(365);

    /// <summary>Kill switch.</summary>
    public static NeonSetting<bool> Enabled { get; } = new(
        NeonSettings.Enabled, "NEON_ENABLED", "neon-enabled", "NEON1001",
        "true|false. Kill switch: false creates nothing.", "`true`",
        () => true, (v, _) => Boolean(v), (o, v) => o with { Enabled = v });

    /// <summary>Auto, Neon or Local.</summary>
    public static NeonSetting<ProviderKind> Provider { get; } = new(
        NeonSettings.Provider, "NEON_PROVIDER", "neon-provider", "NEON1002",
        "Auto|Neon|Local. Where branches live; Auto picks Neon when NEON_API_KEY and a project id are set.", "`Auto`",
        () => ProviderKind.Auto, (v, _) => Enum<ProviderKind>(v), (o, v) => o with { Provider = v });

    /// <summary>Neon project id.</summary>
    public static NeonSetting<string?> ProjectId { get; } = new(
        NeonSettings.ProjectId, "NEON_PROJECT_ID", "neon-project-id", "NEON1003",
        "Neon project id. The API key comes from NEON_API_KEY only.", "",
        () => null, (v, _) => ProjectId(v), (o, v) => o with { ProjectId = v });

    /// <summary>Neon API key: secret, never on a command line.</summary>
    public static NeonSetting<string?> ApiKey { get; } = new(
        NeonSettings.ApiKey, "NEON_API_KEY", null, "NEON1004",
        "Neon API key; never logged or written. Set the environment variable.", "",
        () => null, (v, _) => ApiKey(v), (o, v) => o with { ApiKey = v }, isSecret: true);

    /// <summary>Parent branch (Neon) or database (Local).</summary>
    public static NeonSetting<string?> ParentBranch { get; } = new(
        NeonSettings.ParentBranch, "NEON_PARENT_BRANCH_ID", "neon-parent-branch", "NEON1005",
        "Branch id or name the session branches from; the project's default branch when empty.", "project default / `NeonDatabase`",
        () => null, (v, _) => Text(v), (o, v) => o with { ParentBranch = v });

    /// <summary>Database name.</summary>
    public static NeonSetting<string> Database { get; } = new(
        NeonSettings.Database, "NEON_DATABASE", "neon-database", "NEON1006",
        "Database the connection strings point at.", "`neondb`",
        () => "neondb", (v, _) => PostgresName(v), (o, v) => o with { Database = v });

    /// <summary>Role name.</summary>
    public static NeonSetting<string> Role { get; } = new(
        NeonSettings.Role, "NEON_ROLE", "neon-role", "NEON1007",
        "Role the read-write connection strings log in as.", "`neondb_owner`",
        () => "neondb_owner", (v, _) => PostgresName(v), (o, v) => o with { Role = v });

    /// <summary>Keep branches after the run.</summary>
    public static NeonSetting<bool> KeepBranches { get; } = new(
        NeonSettings.KeepBranches, "NEON_KEEP_BRANCHES", "neon-keep-branches", "NEON1008",
        "[true|false] Keep every branch after the session, for debugging (they still expire).", "`false`",
        () => false, (v, _) => Boolean(v), (o, v) => o with { KeepBranches = v });

    /// <summary>How many failed tests' isolated branches a run keeps to look at.</summary>
    public static NeonSetting<int> KeepFailedBranches { get; } = new(
        NeonSettings.KeepFailedBranches, "NEON_KEEP_FAILED_BRANCHES", "neon-keep-failed-branches", "NEON1030",
        "[0-100] Keep the isolated branch of up to this many failed tests as it was at the failure (they expire like every branch); 0 restores them like any other.", "`3`",
        () => 3, (v, _) => Count(v, 100), (o, v) => o with { KeepFailedBranches = v });

    /// <summary>Expiry stamped on branches.</summary>
    public static NeonSetting<TimeSpan> BranchExpiry { get; } = new(
        NeonSettings.BranchExpiry, "NEON_BRANCH_EXPIRY", "neon-branch-expiry", "NEON1009",
        "Expiry stamped on branches for crashed runs: seconds, 90s, 10m, 2h or hh:mm:ss.", "`600`",
        () => TimeSpan.FromMinutes(10), (v, _) => Duration(v, allowZero: false, MaxBranchExpiry), (o, v) => o with { BranchExpiry = v });

    /// <summary>Variable that receives the connection string.</summary>
    public static NeonSetting<string> EnvVar { get; } = new(
        NeonSettings.EnvVar, "NEON_ENV_VAR", "neon-env-var", "NEON1010",
        "Environment variable that receives the connection string.", "`DATABASE_URL`",
        () => "DATABASE_URL", (v, _) => VariableName(v), (o, v) => o with { EnvVar = v });

    /// <summary>Also set <c>ConnectionStrings__&lt;Name&gt;</c>.</summary>
    public static NeonSetting<string?> ConnectionStringName { get; } = new(
        NeonSettings.ConnectionStringName, "NEON_CONNECTION_STRING_NAME", "neon-connection-string-name", "NEON1011",
        "Also set ConnectionStrings__<name>.", "",
        () => null, (v, _) => VariableName(v), (o, v) => o with { ConnectionStringName = v });

    /// <summary>Folder of <c>.sql</c> files.</summary>
    public static NeonSetting<string?> Migrations { get; } = new(
        NeonSettings.Migrations, "NEON_MIGRATIONS", "neon-migrations", "NEON1012",
        "Folder of .sql files applied in order, once per session, relative to the project.", "",
        () => null, (v, o) => ExistingPath(v, o.WorkingDirectory), (o, v) => o with { Migrations = v });

    /// <summary>Shell command that migrates.</summary>
    public static NeonSetting<string?> MigrationCommand { get; } = new(
        NeonSettings.MigrationCommand, "NEON_MIGRATION_COMMAND", "neon-migration-command", "NEON1013",
        "Shell command that migrates the database named by NeonEnvVar.", "",
        () => null, (v, _) => Text(v), (o, v) => o with { MigrationCommand = v });

    /// <summary>Files the migration command reads: with them its result is cached like <c>.sql</c> files.</summary>
    public static NeonSetting<string?> MigrationInputs { get; } = new(
        NeonSettings.MigrationInputs, "NEON_MIGRATION_INPUTS", "neon-migration-inputs", "NEON1020",
        "Globs (';'-separated, relative to the project) of the files NeonMigrationCommand reads; their contents and the command join the cache fingerprint, so the command runs only when they change.", "",
        () => null, (v, o) => Globs(v, o.WorkingDirectory), (o, v) => o with { MigrationInputs = v });
    /// <summary>EF Core context whose migrations (or model) the session applies.</summary>
    public static NeonSetting<string?> DbContext { get; } = new(
        NeonSettings.DbContext, "NEON_DB_CONTEXT", "neon-db-context", "NEON1021",
        "EF Core DbContext (class or full name) whose migrations are applied, with Neon.Testing.EntityFrameworkCore; found by itself when there is exactly one.", "the only one",
        () => null, (v, _) => TypeName(v), (o, v) => o with { DbContext = v });

    /// <summary>Reuse window of migrated templates.</summary>
    public static NeonSetting<TimeSpan> MigrationCacheExpiry { get; } = new(
        NeonSettings.MigrationCacheExpiry, "NEON_MIGRATION_CACHE_EXPIRY", "neon-migration-cache-expiry", "NEON1014",
        "How long a migrated template may be reused by later sessions; 0 migrates every run.", "`24h`",
        () => TimeSpan.FromHours(24), (v, _) => Duration(v, allowZero: true, MaxMigrationCacheExpiry), (o, v) => o with { MigrationCacheExpiry = v });

    /// <summary>Default isolation level.</summary>
    public static NeonSetting<TestIsolation> Isolation { get; } = new(
        NeonSettings.Isolation, "NEON_ISOLATION", "neon-isolation", "NEON1015",
        "Isolated|ReadOnly|Shared|PerClass|Transaction. Level of tests without an isolation attribute.", "`Isolated`",
        () => TestIsolation.Isolated, (v, _) => Enum<TestIsolation>(v), (o, v) => o with { Isolation = v });

    /// <summary>What isolated tests running at the same time get.</summary>
    public static NeonSetting<ConcurrentTests> ConcurrentTests { get; } = new(
        NeonSettings.ConcurrentTests, "NEON_CONCURRENT_TESTS", "neon-concurrent-tests", "NEON1022",
        "Auto|Branches|Serial. Isolated tests the framework runs at once: Branches gives each its own branch (read NeonDatabase.ConnectionString), Serial makes them take turns on the branch NeonEnvVar names; Auto is Serial when the test code names NeonEnvVar.", "`Auto`",
        () => Engine.ConcurrentTests.Auto, (v, _) => Enum<ConcurrentTests>(v), (o, v) => o with { ConcurrentTests = v });

    /// <summary>Existing server for Local: may hold a password, so secret.</summary>
    public static NeonSetting<string?> LocalConnectionString { get; } = new(
        NeonSettings.LocalConnectionString, "NEON_LOCAL_CONNECTION_STRING", null, "NEON1016",
        "Existing server for the Local provider (needs CREATEDB); the embedded PostgreSQL when empty.", "",
        () => null, (v, _) => ConnectionString(v), (o, v) => o with { LocalConnectionString = v }, isSecret: true);

    /// <summary>Embedded cluster folder.</summary>
    public static NeonSetting<string?> LocalDataDirectory { get; } = new(
        NeonSettings.LocalDataDirectory, "NEON_LOCAL_DATA_DIR", "neon-local-data-dir", "NEON1017",
        "Folder of the embedded PostgreSQL cluster; must exist or be creatable.", "per-user cache",
        () => null, (v, _) => CreatableDirectory(v), (o, v) => o with { LocalDataDirectory = v });

    /// <summary>API address (emulators).</summary>
    public static NeonSetting<Uri> ApiUrl { get; } = new(
        NeonSettings.ApiUrl, "NEON_API_URL", "neon-api-url", "NEON1018",
        "Neon API base address, for an emulator.", "`https://console.neon.tech/api/v2/`",
        () => new Uri("https://console.neon.tech/api/v2/"), (v, _) => HttpAddress(v), (o, v) => o with { ApiUrl = v });

    /// <summary>Base of relative paths; the SDK sets it to the project folder.</summary>
    public static NeonSetting<string> WorkingDirectory { get; } = new(
        NeonSettings.WorkingDirectory, null, null, "NEON1019",
        "Base of relative paths and of the migration command.", "the project folder",
        () => System.Environment.CurrentDirectory, (v, _) => Text(v), (o, v) => o with { WorkingDirectory = v });

    /// <summary>Every setting, in the README's order.</summary>
    public static IReadOnlyList<NeonSetting> All { get; } =
    [
        Enabled, Provider, ProjectId, ApiKey, ParentBranch, Database, Role, KeepBranches, KeepFailedBranches, BranchExpiry, EnvVar,
        ConnectionStringName, Migrations, MigrationCommand, MigrationInputs, DbContext, MigrationCacheExpiry, Isolation, ConcurrentTests, LocalConnectionString,
        LocalDataDirectory, ApiUrl, WorkingDirectory,
    ];

    /// <summary>The code of a setting without one of its own, such as a broken <c>neon-testing.json</c>.</summary>
    public const string OtherSettingCode = "NEON1000";

    private static readonly Dictionary<string, NeonSetting> ByProperty = All.ToDictionary(s => s.Property, StringComparer.OrdinalIgnoreCase);

    /// <summary>The setting named by MSBuild property <paramref name="property"/> (any case); <see langword="null"/> when there is none.</summary>
    public static NeonSetting? Find(string? property) =>
        property is not null && ByProperty.TryGetValue(property, out var setting) ? setting : null;

    /// <summary>The <c>NEON1xxx</c> code for an invalid <paramref name="property"/>; <see cref="OtherSettingCode"/> for anything else.</summary>
    public static string CodeFor(string? property) => Find(property)?.Code ?? OtherSettingCode;
}
