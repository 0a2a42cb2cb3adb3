using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Engine;

/// <summary>Validation: rules that involve more than one setting. A single value is checked by its parser.</summary>
public sealed partial record NeonTestingOptions
{
    /// <summary>Checks cross-setting rules; throws <see cref="NeonConfigurationException"/> on the first problem.</summary>
    public void Validate() => Validate(_ => null);

    /// <param name="sourceOf">Where each setting's value came from; <see langword="null"/> for a default.</param>
    internal void Validate(Func<NeonSetting, SettingSource?> sourceOf)
    {
        if (!Enabled)
        {
            return;
        }

        string From(NeonSetting setting) => sourceOf(setting) is { } source ? $" (from {source.Name(setting)})" : "";

        if (Provider == ProviderKind.Neon && string.IsNullOrEmpty(ProjectId))
        {
            throw new NeonConfigurationException(NeonSettings.ProjectId,
                $"NeonProvider is 'Neon'{From(NeonSettingCatalog.Provider)} but NeonProjectId is empty. Set NeonProjectId (or NEON_PROJECT_ID, or --neon-project-id) to your Neon project id, or set NeonProvider to 'Local'.");
        }

        if (Provider == ProviderKind.Neon && string.IsNullOrEmpty(ApiKey))
        {
            throw new NeonConfigurationException(NeonSettings.ApiKey,
                $"NeonProvider is 'Neon'{From(NeonSettingCatalog.Provider)} but no API key (NeonApiKey) is configured. Set the NEON_API_KEY environment variable, or set NeonProvider to 'Local'.");
        }

        if (!string.IsNullOrEmpty(MigrationInputs) && string.IsNullOrEmpty(MigrationCommand))
        {
            // Only a migration command reads them: set alone (or beside .sql files or a DbContext) they would be silently ignored.
            throw new NeonConfigurationException(NeonSettings.MigrationInputs,
                $"NeonMigrationInputs is set{From(NeonSettingCatalog.MigrationInputs)} but NeonMigrationCommand is not: the inputs declare the files the migration command reads. Set NeonMigrationCommand, or clear NeonMigrationInputs (.sql files and EF Core migrations are fingerprinted by themselves).");
        }

        if (!string.IsNullOrEmpty(Migrations) && !string.IsNullOrEmpty(MigrationCommand))
        {
            throw new NeonConfigurationException(NeonSettings.MigrationCommand,
                $"Both NeonMigrations{From(NeonSettingCatalog.Migrations)} and NeonMigrationCommand{From(NeonSettingCatalog.MigrationCommand)} are set. Keep one: a folder of .sql files, or a command. An environment variable set to an empty value clears a setting (e.g. NEON_MIGRATIONS=).");
        }

        if (!string.IsNullOrEmpty(DbContext) && (!string.IsNullOrEmpty(Migrations) || !string.IsNullOrEmpty(MigrationCommand)))
        {
            var other = !string.IsNullOrEmpty(Migrations) ? $"NeonMigrations{From(NeonSettingCatalog.Migrations)}" : $"NeonMigrationCommand{From(NeonSettingCatalog.MigrationCommand)}";
            throw new NeonConfigurationException(NeonSettings.DbContext,
                $"Both NeonDbContext{From(NeonSettingCatalog.DbContext)} and {other} are set. Keep one migration source: the EF Core context, or the .sql files / command. An environment variable set to an empty value clears a setting (e.g. NEON_DB_CONTEXT=).");
        }

        // Options built with `with` rather than parsed still get their single values checked.
        if (sourceOf(NeonSettingCatalog.Migrations) is null && !string.IsNullOrEmpty(Migrations))
        {
            _ = Apply(this, NeonSettingCatalog.Migrations, Migrations, SettingSource.Settings);
        }

        if (sourceOf(NeonSettingCatalog.LocalConnectionString) is null && !string.IsNullOrEmpty(LocalConnectionString))
        {
            _ = Apply(this, NeonSettingCatalog.LocalConnectionString, LocalConnectionString, SettingSource.Settings);
        }
    }
}
