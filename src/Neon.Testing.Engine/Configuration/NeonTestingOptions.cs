using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Engine;

/// <summary>
/// Every setting of a test session. Built from <c>Neon*</c> MSBuild properties, <c>neon-testing.json</c>,
/// environment variables or MTP command-line options through <see cref="Parse(IEnumerable{SettingLayer})"/>,
/// which fails with a <see cref="NeonConfigurationException"/> naming the setting, its source and the fix.
/// Defaults, names and parsers live in <see cref="NeonSettingCatalog"/>.
/// </summary>
public sealed partial record NeonTestingOptions
{
    /// <summary>Kill switch: when <see langword="false"/> nothing is created.</summary>
    public bool Enabled { get; init; } = NeonSettingCatalog.Enabled.Default;

    /// <summary>Which engine to use.</summary>
    public ProviderKind Provider { get; init; } = NeonSettingCatalog.Provider.Default;

    /// <summary>Neon project id (<c>NeonProjectId</c> / <c>NEON_PROJECT_ID</c>).</summary>
    public string? ProjectId { get; init; } = NeonSettingCatalog.ProjectId.Default;

    /// <summary>Neon API key. Never logged; prefer the <c>NEON_API_KEY</c> environment variable.</summary>
    public string? ApiKey { get; init; } = NeonSettingCatalog.ApiKey.Default;

    /// <summary>Neon API base address; overridden only to reach an emulator.</summary>
    public Uri ApiUrl { get; init; } = NeonSettingCatalog.ApiUrl.Default;

    /// <summary>Parent branch id or name; the project's default branch when empty.</summary>
    public string? ParentBranch { get; init; } = NeonSettingCatalog.ParentBranch.Default;

    /// <summary>Database name the connection strings point at.</summary>
    public string Database { get; init; } = NeonSettingCatalog.Database.Default;

    /// <summary>Role the read-write connection strings log in as.</summary>
    public string Role { get; init; } = NeonSettingCatalog.Role.Default;

    /// <summary>Keep every branch after the session, for debugging.</summary>
    public bool KeepBranches { get; init; } = NeonSettingCatalog.KeepBranches.Default;

    /// <summary>How many failed tests' isolated branches the run keeps as they were at the failure; 0 keeps none.</summary>
    public int KeepFailedBranches { get; init; } = NeonSettingCatalog.KeepFailedBranches.Default;

    /// <summary>Expiry stamped on branches as a safety net for crashed runs.</summary>
    public TimeSpan BranchExpiry { get; init; } = NeonSettingCatalog.BranchExpiry.Default;

    /// <summary>Environment variable that receives the test's connection string.</summary>
    public string EnvVar { get; init; } = NeonSettingCatalog.EnvVar.Default;

    /// <summary>When set, <c>ConnectionStrings__&lt;Name&gt;</c> receives the connection string too.</summary>
    public string? ConnectionStringName { get; init; } = NeonSettingCatalog.ConnectionStringName.Default;

    /// <summary>Folder of <c>.sql</c> files (or one file) applied in ordinal name order.</summary>
    public string? Migrations { get; init; } = NeonSettingCatalog.Migrations.Default;

    /// <summary>Shell command that migrates the database found in <see cref="EnvVar"/>.</summary>
    public string? MigrationCommand { get; init; } = NeonSettingCatalog.MigrationCommand.Default;

    /// <summary>Globs of the files <see cref="MigrationCommand"/> reads; when set, the command's result is cached by their contents.</summary>
    public string? MigrationInputs { get; init; } = NeonSettingCatalog.MigrationInputs.Default;
    /// <summary>EF Core context (class or full name) whose migrations Neon.Testing.EntityFrameworkCore applies; found by itself when there is exactly one.</summary>
    public string? DbContext { get; init; } = NeonSettingCatalog.DbContext.Default;

    /// <summary>How long a migrated template may be reused by later sessions; zero disables reuse.</summary>
    public TimeSpan MigrationCacheExpiry { get; init; } = NeonSettingCatalog.MigrationCacheExpiry.Default;

    /// <summary>Default isolation level for tests that do not pick one.</summary>
    public TestIsolation Isolation { get; init; } = NeonSettingCatalog.Isolation.Default;

    /// <summary>What isolated tests that run at the same time get; <see cref="Engine.ConcurrentTests.Auto"/> is resolved by the host, which reads the test assembly.</summary>
    public ConcurrentTests ConcurrentTests { get; init; } = NeonSettingCatalog.ConcurrentTests.Default;

    /// <summary>Existing server for the Local provider (needs CREATEDB); embedded cluster when empty.</summary>
    public string? LocalConnectionString { get; init; } = NeonSettingCatalog.LocalConnectionString.Default;

    /// <summary>Where the embedded cluster lives; a per-user cache folder when empty.</summary>
    public string? LocalDataDirectory { get; init; } = NeonSettingCatalog.LocalDataDirectory.Default;

    /// <summary>Base folder for relative paths and the migration command (the test project's folder).</summary>
    public string WorkingDirectory { get; init; } = NeonSettingCatalog.WorkingDirectory.Default;

    /// <summary>The engine <see cref="ProviderKind.Auto"/> resolves to.</summary>
    public ProviderKind ResolvedProvider => Provider switch
    {
        ProviderKind.Auto when !string.IsNullOrEmpty(ApiKey) && !string.IsNullOrEmpty(ProjectId) => ProviderKind.Neon,
        ProviderKind.Auto => ProviderKind.Local,
        _ => Provider,
    };

    /// <summary>Values worth showing in logs and summaries: everything except secrets.</summary>
    public override string ToString() =>
        $"Provider={ResolvedProvider}, ProjectId={ProjectId ?? "-"}, ApiKey={(string.IsNullOrEmpty(ApiKey) ? "unset" : "set")}, " +
        $"Database={Database}, Role={Role}, KeepBranches={KeepBranches}, KeepFailedBranches={KeepFailedBranches}, BranchExpiry={BranchExpiry.TotalSeconds}s, " +
        $"EnvVar={EnvVar}, Isolation={Isolation}, ConcurrentTests={ConcurrentTests}, Migrations={Migrations ?? MigrationCommand ?? DbContext ?? "-"}";
}
