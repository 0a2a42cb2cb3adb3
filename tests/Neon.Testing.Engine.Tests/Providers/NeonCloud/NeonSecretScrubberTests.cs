using Neon.Testing.Engine.Providers.NeonCloud;

namespace Neon.Testing.Engine.Tests.Providers.NeonCloud;

[TestClass]
public sealed class NeonSecretScrubberTests
{
    [TestMethod]
    public void Scrub_MasksKnownSecrets_Everywhere()
    {
        var scrubber = new NeonSecretScrubber();
        scrubber.Add("napi_0123456789abcdef");
        scrubber.Add("s3cretPw");

        var text = scrubber.Scrub("key napi_0123456789abcdef failed for s3cretPw and again s3cretPw");

        Assert.AreEqual("key *** failed for *** and again ***", text);
    }

    [TestMethod]
    [DataRow("Host=h;Password=abc;Database=d", "Host=h;Password=***;Database=d")]
    [DataRow("Host=h;pwd = 'a;b';Database=d", "Host=h;pwd = ***;Database=d")]
    [DataRow("connect to postgresql://neondb_owner:redactedPw00@ep-x.neon.tech/neondb?sslmode=require", "connect to postgresql://neondb_owner:***@ep-x.neon.tech/neondb?sslmode=require")]
    public void Scrub_MasksPasswordsInConnectionStringsAndUrls_EvenUnknownOnes(string text, string expected)
    {
        Assert.AreEqual(expected, new NeonSecretScrubber().Scrub(text));
    }

    [TestMethod]
    public void Scrub_LeavesOrdinaryTextAlone()
    {
        const string text = "Neon API refused to delete 'neon-testing/x' (br-a): 404: not found. See https://neon.tech/docs.";

        Assert.AreEqual(text, new NeonSecretScrubber().Scrub(text));
    }

    [TestMethod]
    public void Add_IgnoresTinySecrets_ThatWouldMangleEveryMessage()
    {
        var scrubber = new NeonSecretScrubber();
        scrubber.Add("a");

        Assert.AreEqual("a branch", scrubber.Scrub("a branch"));
    }
}
