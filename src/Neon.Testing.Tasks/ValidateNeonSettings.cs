using Microsoft.Build.Framework;
using Neon.Testing.Engine;

namespace Neon.Testing.Tasks;

/// <summary>
/// Fails the build with a <c>NEON1xxx</c> error naming the property and the fix when a <c>Neon*</c>
/// setting is invalid. Runs on every build; creates nothing.
/// </summary>
public sealed class ValidateNeonSettings : Microsoft.Build.Utilities.Task
{
    /// <summary>The <c>Neon*</c> properties: identity is the property name, metadata <c>Value</c> its value.</summary>
    [Required]
    public ITaskItem[] Settings { get; set; } = [];

    /// <summary>The test project's folder: the base of relative paths.</summary>
    [Required]
    public string ProjectDirectory { get; set; } = "";

    /// <summary>The test project, named in errors and warnings (so they do not point at the SDK's targets).</summary>
    public string ProjectFile { get; set; } = "";

    /// <inheritdoc />
    public override bool Execute()
    {
        var properties = NeonSettingItems.Read(Settings);
        try
        {
            // The API key often reaches only the step that runs the tests: its absence is checked there.
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(NeonSettings.EnvironmentVariables[NeonSettings.ApiKey])))
            {
                properties.TryAdd(NeonSettings.ApiKey, "checked-when-tests-run");
            }

            var options = NeonSettingItems.Parse(properties, ProjectDirectory);
            Log.LogMessage(MessageImportance.Low, "Neon.Testing settings: {0}", options.Enabled ? options.ToString() : "disabled (NeonEnabled=false)");
            return true;
        }
        catch (NeonConfigurationException e)
        {
            Log.LogError(null, NeonDiagnostics.ForSetting(e.Setting), null, ProjectFile, 0, 0, 0, 0, "{0}", e.Message);
            return false;
        }
    }
}
