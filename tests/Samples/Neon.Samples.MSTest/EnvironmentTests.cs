namespace Neon.Samples.MSTest;

[TestClass]
public sealed class EnvironmentTests
{
    /// <summary>Runs with --neon-connection-string-name (the harness names it in NEON_SAMPLE_CONNECTION_STRING_NAME).</summary>
    [TestMethod]
    public void ConnectionStringsVariable_MatchesDatabaseUrl_WhenNamed()
    {
        if (Environment.GetEnvironmentVariable("NEON_SAMPLE_CONNECTION_STRING_NAME") is not { Length: > 0 } name)
        {
            Assert.Inconclusive("Run with --neon-connection-string-name to check ConnectionStrings__<Name>.");
            return;
        }

        Assert.AreEqual(Db.Url, Environment.GetEnvironmentVariable($"ConnectionStrings__{name}"));
    }
}
