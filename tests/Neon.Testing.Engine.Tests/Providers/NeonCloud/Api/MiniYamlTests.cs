namespace Neon.Api.Tests;

[TestClass]
public sealed class MiniYamlTests
{
    [TestMethod]
    public void Parse_ReadsACassetteShapedDocument()
    {
        const string yaml = """
            interactions:
            - request:
                body: null
                headers:
                  Accept:
                  - application/json
                method: GET
                uri: https://console.neon.tech/api/v2/projects
              response:
                body:
                  string: '{"message":"it''s here"}'
                status:
                  code: 200
                  message: OK
            version: 1
            """;

        var root = (IReadOnlyDictionary<string, object?>)MiniYaml.Parse(yaml)!;
        var interaction = Interaction.From(((IReadOnlyList<object?>)root["interactions"]!)[0], 0);

        Assert.AreEqual("GET", interaction.Method);
        Assert.AreEqual("https://console.neon.tech/api/v2/projects", interaction.Uri.ToString());
        Assert.IsNull(interaction.RequestBody);
        Assert.AreEqual(200, interaction.Status);
        Assert.AreEqual("""{"message":"it's here"}""", interaction.ResponseBody);
        Assert.AreEqual("1", root["version"]);
    }

    [TestMethod]
    public void Parse_FoldsASingleQuotedScalarOverLines_AsYamlDoes()
    {
        const string yaml = "body:\n  string: '{\"a\":\"one\n    two\",\n\n    \"b\":1}'\nnext: x\n";

        var root = (IReadOnlyDictionary<string, object?>)MiniYaml.Parse(yaml)!;

        Assert.AreEqual("{\"a\":\"one two\",\n\"b\":1}", ((IReadOnlyDictionary<string, object?>)root["body"]!)["string"]);
        Assert.AreEqual("x", root["next"]);
    }

    [TestMethod]
    public void Parse_KeepsSpacesInsideASingleLineQuotedScalar()
    {
        var root = (IReadOnlyDictionary<string, object?>)MiniYaml.Parse("a: ' padded '\n")!;

        Assert.AreEqual(" padded ", root["a"]);
    }

    [TestMethod]
    public void Parse_RefusesFlowCollections_RatherThanMisreadingThem()
    {
        Assert.ThrowsExactly<FormatException>(() => MiniYaml.Parse("a: {b: 1}\n"));
    }

    [TestMethod]
    public void EveryCassette_Parses()
    {
        var cassettes = Cassette.LoadAll();

        Assert.HasCount(9, cassettes);
        Assert.IsTrue(cassettes.All(c => c.Interactions.Count > 0));
        foreach (var interaction in cassettes.SelectMany(c => c.Interactions))
        {
            // Folded multi-line bodies must come out as the JSON Neon sent.
            using var body = System.Text.Json.JsonDocument.Parse(interaction.ResponseBody!);
        }
    }
}
