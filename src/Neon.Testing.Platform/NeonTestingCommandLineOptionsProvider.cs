using Microsoft.Testing.Platform.CommandLine;
using Microsoft.Testing.Platform.Extensions;
using Microsoft.Testing.Platform.Extensions.CommandLine;
using Neon.Testing.Engine;
using Neon.Testing.Hosting;

namespace Neon.Testing.Platform;

/// <summary>The <c>--neon-*</c> options: one per <c>Neon*</c> property, except secrets, which come from environment variables only.</summary>
internal sealed class NeonTestingCommandLineOptionsProvider : ICommandLineOptionsProvider
{
    public const string Enabled = "neon-enabled";
    public const string Provider = "neon-provider";
    public const string ProjectId = "neon-project-id";
    public const string ApiUrl = "neon-api-url";
    public const string ParentBranch = "neon-parent-branch";
    public const string Database = "neon-database";
    public const string Role = "neon-role";
    public const string KeepBranches = "neon-keep-branches";
    public const string BranchExpiry = "neon-branch-expiry";
    public const string EnvVar = "neon-env-var";
    public const string ConnectionStringName = "neon-connection-string-name";
    public const string Migrations = "neon-migrations";
    public const string MigrationCommand = "neon-migration-command";
    public const string MigrationCacheExpiry = "neon-migration-cache-expiry";
    public const string Isolation = "neon-isolation";
    public const string LocalDataDirectory = "neon-local-data-dir";

    /// <summary>Option name, the property it sets, its description, and whether it is a switch (no argument means true).</summary>
    internal static readonly IReadOnlyList<(string Option, string Property, string Description, bool IsSwitch)> Options =
    [
        (Enabled, NeonSettings.Enabled, "true|false. Kill switch: false creates nothing (NeonEnabled).", false),
        (Provider, NeonSettings.Provider, "Auto|Neon|Local. Where branches live; Auto picks Neon when NEON_API_KEY and a project id are set (NeonProvider).", false),
        (ProjectId, NeonSettings.ProjectId, "Neon project id (NeonProjectId). The API key comes from NEON_API_KEY only.", false),
        (ApiUrl, NeonSettings.ApiUrl, "Neon API base address, for an emulator (NeonApiUrl).", false),
        (ParentBranch, NeonSettings.ParentBranch, "Branch id or name the session branches from; the project's default branch when empty (NeonParentBranch).", false),
        (Database, NeonSettings.Database, "Database the connection strings point at; default neondb (NeonDatabase).", false),
        (Role, NeonSettings.Role, "Role the read-write connection strings log in as; default neondb_owner (NeonRole).", false),
        (KeepBranches, NeonSettings.KeepBranches, "[true|false] Keep every branch after the session, for debugging (NeonKeepBranches).", true),
        (BranchExpiry, NeonSettings.BranchExpiry, "Expiry stamped on branches for crashed runs: seconds, 90s, 10m, 2h or hh:mm:ss; default 600 (NeonBranchExpiry).", false),
        (EnvVar, NeonSettings.EnvVar, "Environment variable that receives the connection string; default DATABASE_URL (NeonEnvVar).", false),
        (ConnectionStringName, NeonSettings.ConnectionStringName, "Also set ConnectionStrings__<name> (NeonConnectionStringName).", false),
        (Migrations, NeonSettings.Migrations, "Folder of .sql files applied in order, once per session (NeonMigrations).", false),
        (MigrationCommand, NeonSettings.MigrationCommand, "Shell command that migrates the database named by the environment variable (NeonMigrationCommand).", false),
        (MigrationCacheExpiry, NeonSettings.MigrationCacheExpiry, "How long a migrated template may be reused by later sessions; 0 disables reuse (NeonMigrationCacheExpiry).", false),
        (Isolation, NeonSettings.Isolation, "Isolated|ReadOnly|Shared|PerClass|Transaction. Level of tests without an isolation attribute (NeonIsolation).", false),
        (LocalDataDirectory, NeonSettings.LocalDataDirectory, "Folder of the embedded PostgreSQL cluster (NeonLocalDataDirectory).", false),
    ];

    public string Uid => NeonTestingExtensionInfo.Uid + ".CommandLine";

    public string Version => NeonTestingExtensionInfo.Version;

    public string DisplayName => NeonTestingExtensionInfo.DisplayName;

    public string Description => NeonTestingExtensionInfo.Description;

    public Task<bool> IsEnabledAsync() => Task.FromResult(true);

    public IReadOnlyCollection<CommandLineOption> GetCommandLineOptions() =>
        [.. Options.Select(o => new CommandLineOption(o.Option, o.Description, o.IsSwitch ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne, isHidden: false))];

    public Task<ValidationResult> ValidateOptionArgumentsAsync(CommandLineOption commandOption, string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(commandOption);
        ArgumentNullException.ThrowIfNull(arguments);
        var option = Options.Single(o => o.Option == commandOption.Name);
        var value = arguments.Length == 0 ? "true" : arguments[0];
        try
        {
            _ = NeonTestingOptions.Parse(new Dictionary<string, string?> { [option.Property] = value });
        }
        catch (NeonConfigurationException e) when (string.Equals(e.Setting, option.Property, StringComparison.OrdinalIgnoreCase))
        {
            return ValidationResult.InvalidTask($"--{option.Option}: {e.Message}");
        }
        catch (NeonConfigurationException)
        {
            // A rule that involves other settings: checked with all of them in ValidateCommandLineOptionsAsync.
        }

        return ValidationResult.ValidTask;
    }

    public Task<ValidationResult> ValidateCommandLineOptionsAsync(ICommandLineOptions commandLineOptions)
    {
        try
        {
            _ = NeonTestRun.LoadOptions(ReadOverrides(commandLineOptions));
            return ValidationResult.ValidTask;
        }
        catch (NeonConfigurationException e)
        {
            return ValidationResult.InvalidTask(e.Message);
        }
    }

    /// <summary>The settings given on the command line, keyed by property name.</summary>
    internal static Dictionary<string, string?> ReadOverrides(ICommandLineOptions commandLineOptions)
    {
        ArgumentNullException.ThrowIfNull(commandLineOptions);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, property, _, isSwitch) in Options)
        {
            if (commandLineOptions.TryGetOptionArgumentList(option, out var arguments))
            {
                values[property] = arguments.Length == 0 && isSwitch ? "true" : arguments.FirstOrDefault();
            }
        }

        return values;
    }
}
