namespace Neon.Testing.Engine.Isolation;

/// <summary>How a targeted restore gets past foreign keys and user triggers.</summary>
internal enum RestoreMode
{
    /// <summary>No targeted restore is possible: every reset is a full reset.</summary>
    Unavailable,

    /// <summary>
    /// <c>session_replication_role = replica</c> (superuser), for the tracker's whole session: foreign-key and user
    /// triggers do not fire, so tables are restored in any order in one round trip.
    /// </summary>
    ReplicationRole,

    /// <summary>
    /// For a database owner who is not a superuser (Neon's <c>neondb_owner</c>): rows are deleted children-first and
    /// restored parents-first, and enabled user triggers on the restored tables are disabled around the restore.
    /// </summary>
    ForeignKeyOrder,
}
