namespace Neon.Testing.Engine.Isolation;

/// <summary>
/// Installs change tracking into a migrated database: statement-level triggers that record which tables a test touched,
/// a copy of the rows the tables held (seed and reference data), the sequence values, and a way to notice schema changes.
/// Run it once on the branch the isolated branches are cloned from, after migrations; every clone inherits it.
/// </summary>
internal static class ChangeTracking
{
    /// <summary>The schema holding every object change tracking creates; it is neither tracked nor restored.</summary>
    public const string SchemaName = Sql.Schema;

    /// <summary>Version of the installed layout; part of the migration fingerprint, so a new layout rebuilds cached templates.</summary>
    public static string Version { get; } = TrackingSql.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Installs tracking and takes the baseline. Idempotent: an up-to-date installation with an unchanged schema and
    /// untouched data is kept; otherwise it is rebuilt. Returns what the connecting role could install; when it could not
    /// install at all, every reset of a clone is a full reset.
    /// </summary>
    public static Task<TrackingInstallation> InstallAsync(string connectionString, ChangeTrackingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return TrackingInstaller.InstallAsync(connectionString, options ?? new ChangeTrackingOptions(), cancellationToken);
    }

    /// <summary>Removes every tracking object (our schema, the triggers on user tables, the event triggers); the user's data is untouched.</summary>
    public static Task UninstallAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return TrackingInstaller.UninstallAsync(connectionString, cancellationToken);
    }
}
