namespace Neon.Api.Tests;

/// <summary>A VCR cassette: the HTTP interactions recorded against the real Neon API.</summary>
internal sealed record Cassette(string Name, IReadOnlyList<Interaction> Interactions)
{
    public static Cassette Load(string path)
    {
        var root = MiniYaml.Parse(File.ReadAllText(path)) as IReadOnlyDictionary<string, object?>
            ?? throw new FormatException($"{path}: not a mapping.");
        var interactions = (root.GetValueOrDefault("interactions") as IReadOnlyList<object?>)
            ?? throw new FormatException($"{path}: no interactions.");
        return new Cassette(Path.GetFileNameWithoutExtension(path), interactions.Select((item, index) => Interaction.From(item, index)).ToList());
    }

    public static IReadOnlyList<Cassette> LoadAll() =>
        Directory.GetFiles(Path.Combine(SharedData.NeonApi, "cassettes"), "*.yaml").Order(StringComparer.Ordinal).Select(Load).ToList();
}
