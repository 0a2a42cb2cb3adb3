using Microsoft.Build.Framework;

namespace Neon.Testing.Tasks;

/// <summary>
/// Writes <c>neon-testing.json</c> (the non-secret <c>Neon*</c> settings and the project folder) for the
/// MTP extension and the framework adapters to read next to the test assembly. Writes only when the
/// content changed, so incremental builds stay incremental.
/// </summary>
public sealed class WriteNeonConfigurationFile : Microsoft.Build.Utilities.Task
{
    /// <summary>The <c>Neon*</c> properties: identity is the property name, metadata <c>Value</c> its value.</summary>
    [Required]
    public ITaskItem[] Settings { get; set; } = [];

    /// <summary>The test project's folder, written as <c>NeonWorkingDirectory</c>.</summary>
    [Required]
    public string ProjectDirectory { get; set; } = "";

    /// <summary>Where to write the file.</summary>
    [Required]
    public string File { get; set; } = "";

    /// <summary>The test project, named in errors and warnings (so they do not point at the SDK's targets).</summary>
    public string ProjectFile { get; set; } = "";

    /// <inheritdoc />
    public override bool Execute()
    {
        var settings = NeonSettingItems.Read(Settings);
        var text = NeonConfigurationJson.Build(settings, ProjectDirectory, out var passwordRemoved);
        if (passwordRemoved)
        {
            Log.LogWarning(null, NeonDiagnostics.PasswordNotWritten, null, ProjectFile, 0, 0, 0, 0,
                "NeonLocalConnectionString holds a password, which is not written to {0}: tests started without MSBuild would connect without it. Set the NEON_LOCAL_CONNECTION_STRING environment variable instead (or use a .pgpass file) and keep the property free of secrets.",
                NeonConfigurationJson.FileName);
        }

        var path = Path.GetFullPath(File);
        if (System.IO.File.Exists(path) && System.IO.File.ReadAllText(path) == text)
        {
            Log.LogMessage(MessageImportance.Low, "{0} is up to date.", path);
            return true;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, text);
        Log.LogMessage(MessageImportance.Low, "Wrote {0}.", path);
        return true;
    }
}
