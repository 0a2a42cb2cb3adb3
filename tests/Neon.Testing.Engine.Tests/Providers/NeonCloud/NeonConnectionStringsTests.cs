using Neon.Testing.Engine.Providers.NeonCloud;
using Npgsql;

namespace Neon.Testing.Engine.Tests.Providers.NeonCloud;

[TestClass]
public sealed class NeonConnectionStringsTests
{
    [TestMethod]
    public void Build_RequiresTls_AndUsesTheConfiguredDatabaseAndRole()
    {
        var text = NeonConnectionStrings.Build("ep-misty-sea-a5833nbi.us-east-2.aws.neon.tech", "appdb", "app_owner", "redactedPw00");

        var parsed = new NpgsqlConnectionStringBuilder(text);
        Assert.AreEqual("ep-misty-sea-a5833nbi.us-east-2.aws.neon.tech", parsed.Host);
        Assert.AreEqual(5432, parsed.Port);
        Assert.AreEqual("appdb", parsed.Database);
        Assert.AreEqual("app_owner", parsed.Username);
        Assert.AreEqual("redactedPw00", parsed.Password);
        Assert.AreEqual(SslMode.Require, parsed.SslMode);
        StringAssert.Contains(text, "SSL Mode=Require");
    }

    [TestMethod]
    public void Build_TakesThePortFromAHostWithOne_AsAnEmulatorReportsIt()
    {
        var parsed = new NpgsqlConnectionStringBuilder(NeonConnectionStrings.Build("127.0.0.1:54321", "neondb", "neondb_owner", "pw"));

        Assert.AreEqual("127.0.0.1", parsed.Host);
        Assert.AreEqual(54321, parsed.Port);
    }

    [TestMethod]
    public void Build_KeepsAwkwardPasswordsIntact()
    {
        const string password = "a;b=c'd\"e f";

        var parsed = new NpgsqlConnectionStringBuilder(NeonConnectionStrings.Build("h", "d", "r", password));

        Assert.AreEqual(password, parsed.Password);
    }
}
