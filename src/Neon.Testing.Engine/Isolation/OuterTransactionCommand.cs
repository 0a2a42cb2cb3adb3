using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>A command of <see cref="OuterTransactionConnection"/>: accepts its savepoint transactions and runs on the real connection.</summary>
internal sealed class OuterTransactionCommand(OuterTransactionConnection connection, NpgsqlCommand inner) : DbCommand
{
    private DbConnection? _connection = connection;

    [AllowNull]
    public override string CommandText
    {
        get => inner.CommandText;
        set => inner.CommandText = value;
    }

    public override int CommandTimeout
    {
        get => inner.CommandTimeout;
        set => inner.CommandTimeout = value;
    }

    public override CommandType CommandType
    {
        get => inner.CommandType;
        set => inner.CommandType = value;
    }

    public override bool DesignTimeVisible
    {
        get => inner.DesignTimeVisible;
        set => inner.DesignTimeVisible = value;
    }

    public override UpdateRowSource UpdatedRowSource
    {
        get => inner.UpdatedRowSource;
        set => inner.UpdatedRowSource = value;
    }

    protected override DbConnection? DbConnection
    {
        get => _connection;
        set => _connection = value is null or OuterTransactionConnection
            ? value
            : throw new NotSupportedException("A command of the test transaction's connection runs on that connection only.");
    }

    protected override DbParameterCollection DbParameterCollection => inner.Parameters;

    /// <summary>Kept for callers that read it back; every command runs in the outer transaction and the current savepoint anyway.</summary>
    protected override DbTransaction? DbTransaction { get; set; }

    public override void Cancel() => inner.Cancel();

    public override void Prepare() => inner.Prepare();

    public override Task PrepareAsync(CancellationToken cancellationToken = default) => inner.PrepareAsync(cancellationToken);

    public override int ExecuteNonQuery() => inner.ExecuteNonQuery();

    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => inner.ExecuteNonQueryAsync(cancellationToken);

    public override object? ExecuteScalar() => inner.ExecuteScalar();

    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => inner.ExecuteScalarAsync(cancellationToken);

    protected override DbParameter CreateDbParameter() => inner.CreateParameter();

    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => inner.ExecuteReader(behavior & ~CommandBehavior.CloseConnection);

    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
        => await inner.ExecuteReaderAsync(behavior & ~CommandBehavior.CloseConnection, cancellationToken).ConfigureAwait(false);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
