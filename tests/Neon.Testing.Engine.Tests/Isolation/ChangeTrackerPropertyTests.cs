using System.Globalization;
using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Engine.Tests.Isolation;

/// <summary>
/// Property: whatever random sequence of writes a test makes, a reset leaves every table (row checksums) and every
/// sequence exactly as they were after migrations. Set NEON_PROPERTY_SEED to replay a failing run.
/// </summary>
[TestClass]
public sealed class ChangeTrackerPropertyTests
{
    private const int Rounds = 60;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_AlwaysRestoresTheBaseline_AfterRandomWrites(bool asOwner)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("NEON_PROPERTY_SEED"), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        TestContext.WriteLine($"seed {seed} (set NEON_PROPERTY_SEED={seed} to replay)");
        var random = new Random(seed);
        var token = TestContext.CancellationToken;

        await using var db = await IsolationDatabase.CreateAsync(RandomWorkload.Schema(random), asOwner, cancellationToken: token);
        Assert.IsTrue(db.Installation.SupportsTargetedReset, string.Join("; ", db.Installation.UntrackedTables));
        await using var tracker = await db.AttachAsync(cancellationToken: token);
        var baseline = await db.SnapshotAsync(token);
        var workload = new RandomWorkload(random);
        var kinds = new Dictionary<ResetKind, int>();
        var applied = 0;

        for (var round = 0; round < Rounds; round++)
        {
            var test = workload.NextTest();
            await using (var connection = await db.OpenAsync(token))
            {
                foreach (var batch in test)
                {
                    try
                    {
                        await using var command = new NpgsqlCommand(batch, connection);
                        await command.ExecuteNonQueryAsync(token);
                        applied++;
                    }
                    catch (PostgresException)
                    {
                        // Constraint violations are part of the workload; leave no transaction open behind them.
                        await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
                        await rollback.ExecuteNonQueryAsync(token);
                    }
                }
            }

            var result = await tracker.ResetAsync(token);
            kinds[result.Kind] = kinds.GetValueOrDefault(result.Kind) + 1;
            if (result.Kind == ResetKind.Full)
            {
                TestContext.WriteLine($"round {round}: full reset: {result.Reason}");
            }

            var differences = (await db.SnapshotAsync(token)).DifferencesFrom(baseline);
            Assert.IsEmpty(differences, $"seed {seed}, round {round}, reset {result.Kind} ({result.Reason}) of [{string.Join(", ", result.Tables)}] after:{Environment.NewLine}{string.Join(Environment.NewLine, test)}{Environment.NewLine}differences:{Environment.NewLine}{string.Join(Environment.NewLine, differences)}");
        }

        TestContext.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{applied} batches applied; resets: {string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value}"))}"));
        Assert.IsGreaterThan(Rounds / 2, kinds.GetValueOrDefault(ResetKind.Restored), "most random tests should be restored in place");
    }
}
