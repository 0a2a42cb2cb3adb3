using Npgsql;

namespace Neon.Testing.Engine.Session;

/// <summary>
/// A branch's server connections were killed (a full reset re-created it, or a reset terminated connections
/// left open) and the session cleared Npgsql's global pools for it. Pools it cannot see, such as an
/// <see cref="NpgsqlDataSource"/> an application under test built itself, are to be cleared by their owner.
/// </summary>
public sealed class BranchConnectionsResetEventArgs : EventArgs
{
    private readonly IReadOnlyCollection<string> _connectionStrings;

    internal BranchConnectionsResetEventArgs(Branch branch, IReadOnlyCollection<string> connectionStrings)
    {
        Branch = branch;
        _connectionStrings = connectionStrings;
    }

    /// <summary>The branch whose connections were killed.</summary>
    public Branch Branch { get; }

    /// <summary>
    /// Whether <paramref name="connectionString"/> reaches the branch: same host, port and database as a
    /// connection string the session handed out for it (user, password and pool settings may differ).
    /// </summary>
    public bool Reaches(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString) || Target.Parse(connectionString) is not { } target)
        {
            return false;
        }

        return _connectionStrings.Any(handedOut => Target.Parse(handedOut) == target);
    }

    private sealed record Target(string Host, int Port, string? Database)
    {
        public static Target? Parse(string connectionString)
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(connectionString);
                return new Target(builder.Host?.ToUpperInvariant() ?? "", builder.Port, builder.Database);
            }
            catch (Exception e) when (e is ArgumentException or KeyNotFoundException or FormatException)
            {
                // Not a connection string Npgsql can read: it reaches nothing.
                return null;
            }
        }
    }
}
