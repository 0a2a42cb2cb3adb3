using Microsoft.Build.Framework;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Tasks;

/// <summary>Reads the <c>_NeonSetting</c> items (identity: the property name, metadata <c>Value</c>) the targets pass in.</summary>
internal static class NeonSettingItems
{
    /// <summary>Metadata that holds a setting's value.</summary>
    public const string ValueMetadata = "Value";

    /// <summary>Settings keyed by property name; empty values are dropped.</summary>
    public static Dictionary<string, string?> Read(ITaskItem[]? items)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in items ?? [])
        {
            var value = item.GetMetadata(ValueMetadata);
            if (!string.IsNullOrWhiteSpace(value))
            {
                values[item.ItemSpec] = value.Trim();
            }
        }

        return values;
    }

    /// <summary>
    /// Options as the test host will see them: properties first, then <c>NEON_*</c> variables, which win
    /// (the same order the MTP extension applies to <c>neon-testing.json</c> and the environment);
    /// a variable set to an empty value clears the property.
    /// </summary>
    public static NeonTestingOptions Parse(IReadOnlyDictionary<string, string?> properties, string workingDirectory, Func<string, string?>? getVariable = null)
    {
        var baseDirectory = new Dictionary<string, string?> { [NeonSettings.WorkingDirectory] = workingDirectory };
        return NeonTestingOptions.Parse(SettingLayer.MSBuild(baseDirectory), SettingLayer.MSBuild(properties), SettingLayer.Environment(getVariable));
    }
}
