namespace Neon.Testing.Engine.Tests;

[TestClass]
public sealed class SecretRedactorTests
{
    [TestMethod]
    public void Redact_MasksTheConnectionStringItsPasswordAndPasswordShapedText()
    {
        const string ConnectionString = "Host=127.0.0.1;Username=app;Password=s3cret-pw;Database=db";
        var output = $"""
            connecting with {ConnectionString}
            auth failed for password s3cret-pw
            other tool printed Password=another-one;Host=x
            and a URL postgresql://owner:url-secret@ep-1.neon.tech/neondb
            """;

        var redacted = SecretRedactor.Redact(output, ConnectionString);

        foreach (var secret in new[] { "s3cret-pw", "another-one", "url-secret" })
        {
            Assert.DoesNotContain(secret, redacted);
        }

        StringAssert.Contains(redacted, "postgresql://owner:***@ep-1.neon.tech/neondb");
        StringAssert.Contains(redacted, "Host=x", "only the password is masked, not what follows it");
    }

    [TestMethod]
    public void Describe_ShowsWhereAConnectionGoes_WithoutItsPassword() =>
        Assert.AreEqual("Host=h;Port=5433;Database=d;Username=u", SecretRedactor.Describe("Host=h;Port=5433;Database=d;Username=u;Password=p"));
}
