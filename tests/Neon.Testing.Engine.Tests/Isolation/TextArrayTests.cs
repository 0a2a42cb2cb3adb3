using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Engine.Tests.Isolation;

[TestClass]
public sealed class TextArrayTests
{
    public TestContext TestContext { get; set; } = null!;

    // Identifiers may hold anything PostgreSQL accepts in a quoted name: what the server writes must come back unchanged.
    [TestMethod]
    public async Task Read_ReturnsWhatPostgreSqlStored_WhateverTheNamesHold()
    {
        string[] names = ["id", "a,b", "\"quoted\"", "back\\slash", "{braces}", "tab\there", "line\nbreak", "émoji ✨", "", "NULL", " spaced "];
        await using var connection = new NpgsqlConnection(TestPostgres.Server.AdminConnectionString);
        await connection.OpenAsync(TestContext.CancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {TextArray.Select("$1::text[]")}, {TextArray.Select("'{}'::text[]")}, {TextArray.Select("NULL::text[]")}", connection);
        command.Parameters.AddWithValue(names);
        await using var reader = await command.ExecuteReaderAsync(TestContext.CancellationToken);
        Assert.IsTrue(await reader.ReadAsync(TestContext.CancellationToken));

        CollectionAssert.AreEqual(names, TextArray.Read(reader, 0));
        CollectionAssert.AreEqual(Array.Empty<string>(), TextArray.Read(reader, 1));
        Assert.IsNull(TextArray.Read(reader, 2));
    }

    [TestMethod]
    [DataRow("{\"a\":1}")]
    [DataRow("[1]")]
    [DataRow("[null]")]
    [DataRow("\"a\"")]
    public void Parse_WhatIsNotAnArrayOfStrings_Throws(string json)
    {
        Assert.ThrowsExactly<FormatException>(() => TextArray.Parse(json));
    }
}
