using Neon.Testing.Branching;
using Npgsql;

namespace TodoApp.Tests;

/// <summary>Gives each test a clean isolated branch, and restores what the test changed afterwards.</summary>
public abstract class DatabaseTest
{
    private IsolatedBranchLease? _lease;

    public TestContext TestContext { get; set; } = null!;

    protected NpgsqlDataSource DataSource { get; private set; } = null!;

    protected TodoStore Store => new(DataSource);

    [TestInitialize]
    public async Task AcquireBranchAsync()
    {
        _lease = await NeonSession.Current.AcquireIsolatedBranchAsync(TestContext.CancellationToken);
        DataSource = NpgsqlDataSource.Create(_lease.ConnectionString);
    }

    [TestCleanup]
    public async Task RestoreBranchAsync()
    {
        await DataSource.DisposeAsync();
        if (_lease is not null)
        {
            var result = await _lease.ResetAsync(CancellationToken.None);
            NeonSession.Log.Write($"Reset after {TestContext.TestName} on {_lease.Branch.Name}: {result.Kind} in {result.Elapsed.TotalMilliseconds:0.00} ms{(result.Tables.Count > 0 ? " (" + string.Join(", ", result.Tables) + ")" : "")}{(result.Reason is null ? "" : " - " + result.Reason)}");
            await _lease.DisposeAsync();
        }
    }
}
