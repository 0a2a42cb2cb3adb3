using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Engine.Session;

/// <summary>
/// What a test gets for its isolation level from <see cref="TestDatabaseSession.BeginTestAsync"/>: the
/// connection string, the isolated branch it holds, and for <see cref="TestIsolation.Transaction"/> the
/// open connection inside the outer transaction. Hand it back to <see cref="TestDatabaseSession.EndTestAsync(TestDatabase, CancellationToken)"/>.
/// </summary>
public sealed class TestDatabase
{
    internal TestDatabase(TestIsolation level, string connectionString, string name, IsolatedBranchLease? branch, OuterTransaction? transaction, string? perClass)
    {
        Level = level;
        ConnectionString = connectionString;
        Name = name;
        Branch = branch;
        Transaction = transaction;
        PerClass = perClass;
    }

    /// <summary>The level the database was prepared for.</summary>
    public TestIsolation Level { get; }

    /// <summary>Npgsql connection string (holds a password: never log it).</summary>
    public string ConnectionString { get; }

    /// <summary>The branch's name, for messages.</summary>
    public string Name { get; }

    /// <summary>The isolated branch the test holds (Isolated, PerClass, Transaction), else <see langword="null"/>.</summary>
    public IsolatedBranchLease? Branch { get; }

    /// <summary>The outer transaction of a <see cref="TestIsolation.Transaction"/> test, rolled back when it ends.</summary>
    public OuterTransaction? Transaction { get; }

    /// <summary>The open connection of a <see cref="TestIsolation.Transaction"/> test.</summary>
    public NpgsqlConnection? Connection => Transaction?.Connection;

    /// <summary>The test holds an isolated branch other than the one the environment variable names.</summary>
    public bool OnOwnBranch => Branch is { IsPrimary: false };

    /// <summary>Class the test belongs to (PerClass binding), else <see langword="null"/>.</summary>
    internal string? PerClass { get; }
}
