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
        await File.WriteAllTextAsync(Environment.GetEnvironmentVariable("NEON_SAMPLE_WAIT_FILE")!, "waiting");
        await Task.Delay(TimeSpan.FromSeconds(60), TestContext.CancellationToken);
    }

    /// <summary>Runs the test only when the variable is set.</summary>
    private sealed class RequiresVariableAttribute(string variable) : ConditionBaseAttribute(ConditionMode.Include)
    {
        public override bool IsConditionMet => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable));

        public override string GroupName => "RequiresVariable";
    }
}
