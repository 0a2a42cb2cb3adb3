using System.Globalization;
using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>Runs a <see cref="RestorePlan"/> as one batch on the tracker's connection and reads back what it reports.</summary>
internal static class RestoreBatch
{
    /// <summary>Runs the plan's batch; returns the tables the restore transaction wrote (from the trigger's transaction-local list).</summary>
    public static async Task<IReadOnlyCollection<uint>> ExecuteAsync(NpgsqlConnection? connection, RestorePlan plan, Action<long, long> marked, Action<string> fingerprint, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var command in plan.Commands)
        {
            batch.BatchCommands.Add(command);
        }

        var written = new HashSet<uint>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        do
        {
            if (reader.FieldCount == 0)
            {
                continue;
            }

            var column = reader.GetName(0);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (column == RestorePlan.MarkedColumn)
                {
                    foreach (var part in reader.GetString(0).Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        written.Add(uint.Parse(part, CultureInfo.InvariantCulture));
                    }

                    marked(reader.GetInt64(reader.GetOrdinal(RestorePlan.ActivityColumn)), reader.GetInt64(reader.GetOrdinal(RestorePlan.HorizonColumn)));
                }
                else if (column == RestorePlan.FingerprintColumn)
                {
                    fingerprint(reader.GetString(0));
                }
            }
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

        return written;
    }

    public static async Task RollbackQuietlyAsync(NpgsqlConnection? connection)
    {
        try
        {
            if (connection is { State: System.Data.ConnectionState.Open })
            {
                await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
                await rollback.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The full reset that follows reconnects anyway.
        }
    }
}
