using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Engine;

/// <summary>
/// Setting names: the MSBuild property each setting is known by, as constants for callers to name settings in
/// errors. Everything else about a setting (variable, option, default, parser, code) is in <see cref="NeonSettingCatalog"/>.
/// </summary>
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

    /// <summary><c>NeonKeepFailedBranches</c>.</summary>
    public const string KeepFailedBranches = "NeonKeepFailedBranches";

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

    /// <summary><c>NeonMigrationInputs</c>: globs of the files the migration command reads, which make it cacheable.</summary>
    public const string MigrationInputs = "NeonMigrationInputs";

    /// <summary><c>NeonDbContext</c>: EF Core context whose migrations are applied.</summary>
    public const string DbContext = "NeonDbContext";

    /// <summary><c>NeonMigrationCacheExpiry</c>: reuse window of a migrated template.</summary>
    public const string MigrationCacheExpiry = "NeonMigrationCacheExpiry";

    /// <summary><c>NeonIsolation</c>: default isolation level.</summary>
    public const string Isolation = "NeonIsolation";

    /// <summary><c>NeonConcurrentTests</c>: Auto, Branches or Serial.</summary>
    public const string ConcurrentTests = "NeonConcurrentTests";

    /// <summary><c>NeonLocalConnectionString</c>: secret-bearing.</summary>
    public const string LocalConnectionString = "NeonLocalConnectionString";

    /// <summary><c>NeonLocalDataDirectory</c>: embedded cluster location.</summary>
    public const string LocalDataDirectory = "NeonLocalDataDirectory";

    /// <summary><c>NeonWorkingDirectory</c>: base for relative paths (set by the SDK to the project folder).</summary>
    public const string WorkingDirectory = "NeonWorkingDirectory";

    /// <summary>Environment variable for each property that has one, from <see cref="NeonSettingCatalog"/>.</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentVariables { get; } = NeonSettingCatalog.All
        .Where(s => s.EnvironmentVariable is not null)
        .ToDictionary(s => s.Property, s => s.EnvironmentVariable!, StringComparer.OrdinalIgnoreCase);
}
