using Neon.Testing;
using Npgsql;

[assembly: Parallelize(Workers = 4, Scope = ExecutionScope.MethodLevel)]

namespace Neon.Samples.MSTest.Parallel;

/// <summary>Isolated tests running at once: each one's rows must be the only ones its branch holds.</summary>
[TestClass]
public sealed class ParallelTests
{
    [TestMethod, TestCategory("api")] public Task Api_1() => OwnRowsOnlyAsync(NeonDatabase.ConnectionString, "api-1");
    [TestMethod, TestCategory("api")] public Task Api_2() => OwnRowsOnlyAsync(NeonDatabase.ConnectionString, "api-2");
    [TestMethod, TestCategory("api")] public Task Api_3() => OwnRowsOnlyAsync(NeonDatabase.ConnectionString, "api-3");
    [TestMethod, TestCategory("api")] public Task Api_4() => OwnRowsOnlyAsync(NeonDatabase.ConnectionString, "api-4");
    [TestMethod, TestCategory("api")] public Task Api_5() => OwnRowsOnlyAsync(NeonDatabase.ConnectionString, "api-5");
    [TestMethod, TestCategory("api")] public Task Api_6() => OwnRowsOnlyAsync(NeonDatabase.ConnectionString, "api-6");
    [TestMethod, TestCategory("api")] public Task Api_7() => OwnRowsOnlyAsync(NeonDatabase.ConnectionString, "api-7");
    [TestMethod, TestCategory("api")] public Task Api_8() => OwnRowsOnlyAsync(NeonDatabase.ConnectionString, "api-8");

    // These read the process-wide variable although other isolated tests run at the same time:
    // the extension must fail them with a message saying how to fix it.
    [TestMethod, TestCategory("envvar")] public Task EnvVar_1() => OwnRowsOnlyAsync(Url, "env-1");
    [TestMethod, TestCategory("envvar")] public Task EnvVar_2() => OwnRowsOnlyAsync(Url, "env-2");
    [TestMethod, TestCategory("envvar")] public Task EnvVar_3() => OwnRowsOnlyAsync(Url, "env-3");
    [TestMethod, TestCategory("envvar")] public Task EnvVar_4() => OwnRowsOnlyAsync(Url, "env-4");

    // These read the variable later than the test holding its branch, which ends at once: their writes land on a
    // branch nobody holds, which no test's end restores. The extension must fail them and restore the branch.
    [TestMethod, TestCategory("late")] public Task Late_1() => LateAsync("late-1");
    [TestMethod, TestCategory("late")] public Task Late_2() => LateAsync("late-2");
    [TestMethod, TestCategory("late")] public Task Late_3() => LateAsync("late-3");
    [TestMethod, TestCategory("late")] public Task Late_4() => LateAsync("late-4");

    private static string Url => Environment.GetEnvironmentVariable("DATABASE_URL")!;

    private static async Task LateAsync(string marker)
    {
        if (NeonDatabase.ConnectionString == Url)
        {
            return;
        }

        await Task.Delay(300);
        await OwnRowsOnlyAsync(Url, marker);
    }

    private static async Task OwnRowsOnlyAsync(string connectionString, string marker)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO items (name) VALUES ($1)", connection))
        {
            insert.Parameters.AddWithValue(marker);
            await insert.ExecuteNonQueryAsync();
        }

        // Long enough for the other workers' tests to be running too.
        await Task.Delay(300);
        await using var names = new NpgsqlCommand("SELECT string_agg(name, ',') FROM items", connection);
        Assert.AreEqual(marker, (string?)await names.ExecuteScalarAsync(), "another test's rows are in this test's branch");
    }
}
