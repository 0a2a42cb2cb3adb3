namespace Neon.Testing.Engine;

/// <summary>A way in to a branch: a connection string for read-write or read-only access.</summary>
/// <param name="Id">Provider id (Neon <c>ep-...</c>; locally the login role).</param>
/// <param name="BranchId">The branch the endpoint serves.</param>
/// <param name="ReadOnly">Whether writes are refused by the database.</param>
/// <param name="ConnectionString">Npgsql connection string. Contains a password: never log it.</param>
public sealed record BranchEndpoint(string Id, string BranchId, bool ReadOnly, string ConnectionString)
{
    /// <inheritdoc />
    public override string ToString() => $"{Id} ({(ReadOnly ? "read-only" : "read-write")}) on {BranchId}";
}
