namespace Neon.Testing.Platform.Tests;

/// <summary>Which command lines let the entry point start the session before the platform has read its options.</summary>
[TestClass]
public sealed class SessionPrestartTests
{
    [TestMethod]
    [DataRow(new string[0])]
    [DataRow(new[] { "--results-directory", "/tmp/results", "--report-trx" })]
    [DataRow(new[] { "--server", "dotnettestcli", "--dotnet-test-pipe", "pipe-1" })]
    [DataRow(new[] { "--filter", "FullyQualifiedName~Neon" })]
    [DataRow(new[] { "--treenode-filter", "/*/*/*/Insert*" })]
    public void Starts_ForARunWithTheSettingsOfFileAndEnvironment(string[] args) =>
        Assert.IsTrue(SessionPrestart.Allows(args));

    [TestMethod]
    [DataRow(new[] { "--neon-isolation", "Shared" })]
    [DataRow(new[] { "--NEON-KEEP-BRANCHES" })]
    [DataRow(new[] { "--neon-provider=Neon" })]
    [DataRow(new[] { "@options.rsp" })]
    [DataRow(new[] { "--list-tests" })]
    [DataRow(new[] { "--help" })]
    [DataRow(new[] { "-?" })]
    [DataRow(new[] { "--info" })]
    [DataRow(new[] { "--server" })]
    [DataRow(new[] { "--server", "jsonrpc", "--client-port", "5000" })]
    public void Waits_ForTheSessionHandler_WhenTheCommandLineChangesSettingsOrRunsNoTests(string[] args) =>
        Assert.IsFalse(SessionPrestart.Allows(args));
}
