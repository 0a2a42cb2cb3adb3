namespace Neon.Testing.Branching.Isolation;

/// <summary>Installs change tracking into a migrated database (interim: nothing is installed yet, so every reset is a full one).</summary>
public static class ChangeTracking
{
    /// <summary>Version of the installed layout; part of the migration fingerprint.</summary>
    public const string Version = "0";

    /// <summary>Installs tracking and the baseline into the database.</summary>
    public static Task InstallAsync(string connectionString, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
