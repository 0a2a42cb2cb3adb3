namespace Neon.Testing.Engine;

/// <summary>Setting names: the MSBuild property each option is known by, and its environment variable.</summary>
public static class NeonSettings
{
    /// <summary><c>NeonEnabled</c>: kill switch.</summary>
    public const string Enabled = "NeonEnabled";

    /// <summary><c>NeonProvider</c>: Auto, Neon or Local.</summary>
    public const string Provider = "NeonProvider";

    /// <summary><c>NeonProjectId</c>.</summary>
    public const string ProjectId = "NeonProjectId";

    /// <summary><c>NeonApiKey</c>: secret.</summary>
    public const string ApiKey = "NeonApiKey";

    /// <summary><c>NeonApiUrl</c>: API base address (emulators).</summary>
    public const string ApiUrl = "NeonApiUrl";

    /// <summary><c>NeonParentBranch</c>.</summary>
    public const string ParentBranch = "NeonParentBranch";

    /// <summary><c>NeonDatabase</c>.</summary>
    public const string Database = "NeonDatabase";

    /// <summary><c>NeonRole</c>.</summary>
    public const string Role = "NeonRole";

    /// <summary><c>NeonKeepBranches</c>.</summary>
    public const string KeepBranches = "NeonKeepBranches";

    /// <summary><c>NeonBranchExpiry</c>.</summary>
    public const string BranchExpiry = "NeonBranchExpiry";

    /// <summary><c>NeonEnvVar</c>.</summary>
    public const string EnvVar = "NeonEnvVar";

    /// <summary><c>NeonConnectionStringName</c>.</summary>
    public const string ConnectionStringName = "NeonConnectionStringName";

    /// <summary><c>NeonMigrations</c>: folder of .sql files.</summary>
    public const string Migrations = "NeonMigrations";

    /// <summary><c>NeonMigrationCommand</c>: shell command that migrates.</summary>
    public const string MigrationCommand = "NeonMigrationCommand";

    /// <summary><c>NeonMigrationCacheExpiry</c>: reuse window of a migrated template.</summary>
    public const string MigrationCacheExpiry = "NeonMigrationCacheExpiry";

    /// <summary><c>NeonIsolation</c>: default isolation level.</summary>
    public const string Isolation = "NeonIsolation";

    /// <summary><c>NeonLocalConnectionString</c>: secret-bearing.</summary>
    public const string LocalConnectionString = "NeonLocalConnectionString";

    /// <summary><c>NeonLocalDataDirectory</c>: embedded cluster location.</summary>
    public const string LocalDataDirectory = "NeonLocalDataDirectory";

    /// <summary><c>NeonWorkingDirectory</c>: base for relative paths (set by the SDK to the project folder).</summary>
    public const string WorkingDirectory = "NeonWorkingDirectory";

    /// <summary>Environment variable for each property.</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentVariables { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [Enabled] = "NEON_ENABLED",
        [Provider] = "NEON_PROVIDER",
        [ProjectId] = "NEON_PROJECT_ID",
        [ApiKey] = "NEON_API_KEY",
        [ApiUrl] = "NEON_API_URL",
        [ParentBranch] = "NEON_PARENT_BRANCH_ID",
        [Database] = "NEON_DATABASE",
        [Role] = "NEON_ROLE",
        [KeepBranches] = "NEON_KEEP_BRANCHES",
        [BranchExpiry] = "NEON_BRANCH_EXPIRY",
        [EnvVar] = "NEON_ENV_VAR",
        [ConnectionStringName] = "NEON_CONNECTION_STRING_NAME",
        [Migrations] = "NEON_MIGRATIONS",
        [MigrationCommand] = "NEON_MIGRATION_COMMAND",
        [MigrationCacheExpiry] = "NEON_MIGRATION_CACHE_EXPIRY",
        [Isolation] = "NEON_ISOLATION",
        [LocalConnectionString] = "NEON_LOCAL_CONNECTION_STRING",
        [LocalDataDirectory] = "NEON_LOCAL_DATA_DIR",
    };
}
