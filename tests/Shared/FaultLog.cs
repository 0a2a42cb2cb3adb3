using System.Text.Json;

namespace Neon.Testing.TestSupport;

/// <summary>
/// Where a fault case records its outcome and figures for <c>eng/faults.sh</c>: one JSON file per case in the folder
/// NEON_FAULTS_OUT names (the script merges them into artifacts/faults/faults.json). Without the variable nothing is
/// written: the case still asserts its outcome.
/// </summary>
public static class FaultLog
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Records one case. <paramref name="figures"/> holds the numbers the issue asks for (names in camelCase).</summary>
    public static void Record(string area, string caseName, bool passed, IReadOnlyDictionary<string, object?> figures, string? detail = null)
    {
        if (Environment.GetEnvironmentVariable("NEON_FAULTS_OUT") is not { Length: > 0 } folder)
        {
            return;
        }

        Directory.CreateDirectory(folder);
        var record = new Dictionary<string, object?>
        {
            ["area"] = area,
            ["case"] = caseName,
            ["passed"] = passed,
            ["figures"] = figures,
            ["detail"] = detail,
            ["recordedAt"] = DateTimeOffset.UtcNow,
        };
        var file = Path.Combine(folder, $"{Sanitize(area)}.{Sanitize(caseName)}.json");
        File.WriteAllText(file, JsonSerializer.Serialize(record, Json));
    }

    private static string Sanitize(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '-'));
}
