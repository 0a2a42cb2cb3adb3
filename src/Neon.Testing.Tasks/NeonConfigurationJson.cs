using System.Text;
using System.Text.Json;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Configuration;
using Npgsql;

namespace Neon.Testing.Tasks;

/// <summary>
/// The text of <c>neon-testing.json</c>: a flat JSON object keyed by the <c>Neon*</c> property names,
/// without secrets (never <c>NeonApiKey</c>, never a password).
/// </summary>
internal static class NeonConfigurationJson
{
    /// <summary>File name, next to the test assembly.</summary>
    public const string FileName = "neon-testing.json";

    /// <summary>
    /// Builds the file's text. <c>NeonWorkingDirectory</c> is the configured folder made absolute against
    /// <paramref name="workingDirectory"/> (the project folder); <paramref name="passwordRemoved"/> tells whether a password was left out.
    /// </summary>
    public static string Build(IReadOnlyDictionary<string, string?> settings, string workingDirectory, out bool passwordRemoved)
    {
        passwordRemoved = false;
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var setting in NeonSettingCatalog.All)
            {
                var name = setting.Property;
                if (name.Equals(NeonSettings.ApiKey, StringComparison.OrdinalIgnoreCase) || name.Equals(NeonSettings.WorkingDirectory, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!settings.TryGetValue(name, out var value) || string.IsNullOrWhiteSpace(value))
                {
                    continue;
                }

                value = value.Trim();
                if (name.Equals(NeonSettings.LocalConnectionString, StringComparison.OrdinalIgnoreCase))
                {
                    value = WithoutPassword(value, ref passwordRemoved);
                    if (value is null)
                    {
                        continue;
                    }
                }

                if (setting.IsSwitch && bool.TryParse(value, out var flag))
                {
                    writer.WriteBoolean(name, flag);
                }
                else
                {
                    writer.WriteString(name, value);
                }
            }

            // Relative paths must mean the same folder whether MSBuild or the test executable reads them.
            var folder = settings.TryGetValue(NeonSettings.WorkingDirectory, out var configured) && !string.IsNullOrWhiteSpace(configured) ? configured.Trim() : workingDirectory;
            writer.WriteString(NeonSettings.WorkingDirectory, Path.GetFullPath(folder, workingDirectory));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string? WithoutPassword(string connectionString, ref bool passwordRemoved)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrEmpty(builder.Password))
            {
                return builder.ConnectionString;
            }

            builder.Password = null;
            passwordRemoved = true;
            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            // Validation reports the broken value; whatever it holds stays out of the file.
            return null;
        }
    }
}
