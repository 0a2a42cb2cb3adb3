using System.Text.Json;

namespace Neon.Testing.Faults.Tests.Support;

/// <summary>A results folder of one child run, and the session summary it wrote there (if any).</summary>
public sealed class ProcessRunResults : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("neon-faults-results-").FullName;

    /// <summary>The summary JSON the run wrote (one per test assembly), or null.</summary>
    public JsonElement? Summary()
    {
        var file = System.IO.Directory.GetFiles(Directory, "neon-testing-summary*.json", SearchOption.AllDirectories).FirstOrDefault();
        return file is null ? null : JsonDocument.Parse(File.ReadAllText(file)).RootElement;
    }

    /// <summary>Every summary JSON in the folder, by file name.</summary>
    public IReadOnlyDictionary<string, JsonElement> Summaries() =>
        System.IO.Directory.GetFiles(Directory, "neon-testing-summary*.json", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetFileName(f), f => JsonDocument.Parse(File.ReadAllText(f)).RootElement);

    public bool? MigrationsReused() => Summary() is { } summary ? summary.GetProperty("migrationsReused").GetBoolean() : null;

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
