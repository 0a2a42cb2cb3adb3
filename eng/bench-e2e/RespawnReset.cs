using Npgsql;
using Respawn;
using Respawn.Graph;

namespace Library.Api.Tests;

/// <summary>
/// What a Respawn 7 suite does before each test: delete every row but the migrations history, then insert the seed
/// rows again (the SeedCatalog migration's data, dumped by the script) with their sequences set back.
/// </summary>
public abstract class IsolationBase
{
    private static Respawner? _respawner;
    private static string? _seed;

    [TestInitialize]
    public async Task ResetWithRespawnAsync()
    {
        await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("ConnectionStrings__Library"));
        await connection.OpenAsync();
        _respawner ??= await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["public"],
            TablesToIgnore = [new Table("__EFMigrationsHistory")],
        });
        await _respawner.ResetAsync(connection);
        _seed ??= await File.ReadAllTextAsync(Environment.GetEnvironmentVariable("BENCH_E2E_SEED_SQL")!);
        await using var seed = new NpgsqlCommand(_seed, connection);
        await seed.ExecuteNonQueryAsync();
    }
}
