using Microsoft.Extensions.Logging;

namespace Neon.Testing.Engine.Migrations;

/// <summary>
/// A migration source other than <c>NeonMigrations</c> / <c>NeonMigrationCommand</c> (such as an EF Core
/// <c>DbContext</c>): the session applies it once to the migration branch and caches the migrated template under
/// the source's fingerprint, so a later session with the same fingerprint never calls <see cref="ApplyAsync"/>.
/// </summary>
public abstract class MigrationSource
{
    /// <summary>What the source is, for messages and the summary (e.g. <c>EF Core context AppDbContext</c>).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Text that changes whenever what <see cref="ApplyAsync"/> would apply changes (e.g. the migrations' script and the
    /// library versions that produce it), computed without a database; <see langword="null"/> when it cannot be known,
    /// and the source is then applied in every session. The session adds its own layout version and the parent.
    /// </summary>
    public abstract ValueTask<string?> ComputeFingerprintAsync(CancellationToken cancellationToken = default);

    /// <summary>Applies the source to the empty migration branch at <paramref name="connectionString"/> and returns how many migrations ran.</summary>
    public abstract Task<int> ApplyAsync(string connectionString, ILogger logger, CancellationToken cancellationToken = default);
}
