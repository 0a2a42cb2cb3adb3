using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>
/// A connection the code under test may open, close, dispose and begin transactions on without ever leaving the test's
/// outer transaction: lifetime calls do nothing and transactions are savepoints.
/// </summary>
internal sealed class OuterTransactionConnection(OuterTransaction owner) : DbConnection
{
    [AllowNull]
    public override string ConnectionString
    {
        get => owner.Connection.ConnectionString;
        set => throw new NotSupportedException("The test transaction's connection string cannot be changed.");
    }

    public override string Database => owner.Connection.Database;

    public override string DataSource => owner.Connection.DataSource;

    public override string ServerVersion => owner.Connection.ServerVersion;

    public override ConnectionState State => owner.Connection.State;

    protected override DbProviderFactory DbProviderFactory => NpgsqlFactory.Instance;

    public override void ChangeDatabase(string databaseName) => throw new NotSupportedException("The test transaction's database cannot be changed.");

    public override void Open()
    {
    }

    public override Task OpenAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Close()
    {
    }

    public override Task CloseAsync() => Task.CompletedTask;

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    protected override void Dispose(bool disposing)
    {
        // The OuterTransaction owns the real connection.
    }

    protected override DbTransaction BeginDbTransaction(System.Data.IsolationLevel isolationLevel) => owner.BeginTransaction();

    protected override async ValueTask<DbTransaction> BeginDbTransactionAsync(System.Data.IsolationLevel isolationLevel, CancellationToken cancellationToken)
        => await owner.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    protected override DbCommand CreateDbCommand() => new OuterTransactionCommand(this, owner.Connection.CreateCommand());
}
