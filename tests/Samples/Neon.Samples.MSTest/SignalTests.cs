namespace Neon.Samples.MSTest;

/// <summary>
/// A test that writes a row and then waits, so a test of the product can cancel or terminate the run while a
/// test holds its branch. Runs only when <c>NEON_SAMPLE_WAIT_FILE</c> names the file it creates once it waits.
/// </summary>
[TestClass]
public sealed class SignalTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [RequiresVariable("NEON_SAMPLE_WAIT_FILE")]
    public async Task WritesThenWaits()
    {
        await Db.ExecuteAsync(Db.Url, "INSERT INTO items (name) VALUES ('written before the signal')");
        await File.WriteAllTextAsync(Environment.GetEnvironmentVariable("NEON_SAMPLE_WAIT_FILE")!, "waiting", TestContext.CancellationToken);
        // Ends early once the caller deletes the file: a fault case that has done its damage (stopped the server, say) lets the run go on.
        var waitFile = Environment.GetEnvironmentVariable("NEON_SAMPLE_WAIT_FILE")!;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (File.Exists(waitFile) && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100, TestContext.CancellationToken);
        }
    }

    /// <summary>Runs the test only when the variable is set.</summary>
    private sealed class RequiresVariableAttribute(string variable) : ConditionBaseAttribute(ConditionMode.Include)
    {
        public override bool IsConditionMet => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable));

        public override string GroupName => "RequiresVariable";
    }
}
