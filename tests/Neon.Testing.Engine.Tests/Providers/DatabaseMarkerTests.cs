using Neon.Testing.Engine.Providers.Local;

namespace Neon.Testing.Engine.Tests.Providers;

[TestClass]
public sealed class DatabaseMarkerTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 3, 9, 43, 32, 550, TimeSpan.Zero);

    // Markers written by earlier versions (reflection-based serializer) must keep parsing, and new ones must read the
    // same to them: the text is compared whole.
    [TestMethod]
    public void Format_WritesTheSameTextAsEarlierVersions()
    {
        var marker = new DatabaseMarker("branch", "1370910897", "neon-testing/main-e17ce7f6-migration", Created, Created.AddMinutes(10));

        Assert.AreEqual(
            """neon-testing {"kind":"branch","session":"1370910897","parent":"neon-testing/main-e17ce7f6-migration","created":"2026-12-03T09:43:32.55+00:00","expires":"2026-12-03T09:53:32.55+00:00"}""",
            marker.Format());
        Assert.AreEqual(
            """neon-testing {"kind":"template","session":null,"parent":null,"created":"2026-12-03T09:43:32.55+00:00","expires":null,"kept":true}""",
            (marker with { Kind = "template", Session = null, Parent = null, Expires = null, Kept = true }).Format());
    }

    [TestMethod]
    public void TryParse_ReadsWhatFormatWrites_AndEarlierVersionsMarkers()
    {
        var marker = new DatabaseMarker("branch", "42", "neon-testing/x", Created, Created.AddHours(1), Kept: true);

        Assert.AreEqual(marker, DatabaseMarker.TryParse(marker.Format()));
        Assert.AreEqual(marker with { Session = "s\"<&>é" }, DatabaseMarker.TryParse((marker with { Session = "s\"<&>é" }).Format()));
        Assert.AreEqual(marker with { Kept = false }, DatabaseMarker.TryParse(
            """neon-testing {"kind":"branch","session":"42","parent":"neon-testing/x","created":"2026-12-03T09:43:32.55+00:00","expires":"2026-12-03T10:43:32.55+00:00","unknown":{"a":[1]}}"""));
        Assert.AreEqual(
            new DatabaseMarker("branch", "1370910897", null, DateTimeOffset.Parse("2026-12-03T09:43:32.5507907+00:00"), null),
            DatabaseMarker.TryParse("""neon-testing {"kind":"branch","session":"1370910897","parent":null,"created":"2026-12-03T09:43:32.5507907+00:00","expires":null}"""));
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    [DataRow("a comment someone else wrote")]
    [DataRow("neon-testing not json")]
    [DataRow("neon-testing [1,2]")]
    [DataRow("neon-testing {\"kind\":\"branch\"}")]
    [DataRow("neon-testing {\"created\":\"2026-12-03T09:43:32.55+00:00\"}")]
    [DataRow("neon-testing {\"kind\":\"branch\",\"created\":\"not a date\"}")]
    [DataRow("neon-testing {\"kind\":\"branch\",\"created\":\"2026-12-03T09:43:32.55+00:00\"} trailing")]
    [DataRow("neon-testing {\"kind\":1,\"created\":\"2026-12-03T09:43:32.55+00:00\"}")]
    public void TryParse_WhatIsNotOurMarker_IsNull(string? comment)
    {
        Assert.IsNull(DatabaseMarker.TryParse(comment));
    }
}
