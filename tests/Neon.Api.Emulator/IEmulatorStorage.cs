namespace Neon.Api.Emulator;

/// <summary>
/// The PostgreSQL behind the emulator: one local database per branch, cloned from its parent, and
/// two login roles that the endpoints' proxies log in as. Everything it creates goes on dispose.
/// </summary>
internal interface IEmulatorStorage : IAsyncDisposable
{
    /// <summary>Server address the proxies forward to.</summary>
    string Host { get; }

    int Port { get; }

    /// <summary>Major version of the server (Neon's <c>pg_version</c>).</summary>
    int ServerVersion { get; }

    /// <summary>The role read-write endpoints log in as: owns every branch database.</summary>
    string OwnerRole { get; }

    /// <summary>The role read-only endpoints log in as: may read, never write.</summary>
    string ReaderRole { get; }

    /// <summary>A fresh database name carrying this instance's prefix.</summary>
    string NewDatabaseName();

    /// <summary>Creates an empty database owned by <see cref="OwnerRole"/>.</summary>
    Task CreateEmptyAsync(string database, CancellationToken cancellationToken = default);

    /// <summary>Creates <paramref name="database"/> as a copy of <paramref name="source"/>'s current contents.</summary>
    Task CloneAsync(string database, string source, CancellationToken cancellationToken = default);

    /// <summary>Replaces <paramref name="database"/> by a copy of <paramref name="source"/>, keeping the old contents as <paramref name="preserveAs"/> when given.</summary>
    Task ReplaceAsync(string database, string source, string? preserveAs, CancellationToken cancellationToken = default);

    /// <summary>Drops the database, ending its sessions.</summary>
    Task DropAsync(string database, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string database, CancellationToken cancellationToken = default);

    Task<long> SizeAsync(string database, CancellationToken cancellationToken = default);
}
