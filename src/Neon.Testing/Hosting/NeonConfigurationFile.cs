using System.Globalization;
using System.Text.Json;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Hosting;

/// <summary>
/// <c>neon-testing.json</c>: the non-secret settings the SDK writes next to the test assembly, a flat
/// JSON object keyed by MSBuild property name (<c>{ "NeonProvider": "Local", "NeonKeepBranches": false }</c>).
/// </summary>
internal static class NeonConfigurationFile
{
    /// <summary>File name, next to the test assembly.</summary>
    public const string FileName = "neon-testing.json";

    /// <summary>Settings in <paramref name="directory"/>'s file as a layer whose errors name the file.</summary>
    /// <exception cref="NeonConfigurationException">The file is not a flat JSON object of scalars.</exception>
    public static SettingLayer LoadLayer(string directory) =>
        new(SettingSource.File(Path.GetFullPath(Path.Combine(directory, FileName))), Load(directory));

    /// <summary>Settings in <paramref name="directory"/>'s file; empty when there is none.</summary>
    /// <exception cref="NeonConfigurationException">The file is not a flat JSON object of scalars.</exception>
    public static IReadOnlyDictionary<string, string?> Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(path))
        {
            return values;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "the top level is not an object");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (string.Equals(property.Name, NeonSettings.ApiKey, StringComparison.OrdinalIgnoreCase))
                {
                    // Secrets never live in files; the value is not echoed either.
                    throw new NeonConfigurationException(NeonSettings.ApiKey, $"{path} holds NeonApiKey. Remove it and set the NEON_API_KEY environment variable instead.");
                }

                values[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.Number => property.Value.GetRawText(),
                    JsonValueKind.Null => null,
                    _ => throw Invalid(path, string.Create(CultureInfo.InvariantCulture, $"'{property.Name}' is not a string, number or boolean")),
                };
            }
        }
        catch (JsonException e)
        {
            throw new NeonConfigurationException(FileName, $"{path} is not valid JSON ({e.Message}). Rebuild the test project to regenerate it, or delete it.", e);
        }

        return values;
    }

    private static NeonConfigurationException Invalid(string path, string problem) =>
        new(FileName, $"{path} must be a flat JSON object of Neon* settings, but {problem}. Rebuild the test project to regenerate it, or delete it.");
}
