using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Engine;

/// <summary>Sources: reading the settings' environment variables.</summary>
public sealed partial record NeonTestingOptions
{
    /// <summary>
    /// Settings found in environment variables, keyed by MSBuild property name: <see langword="null"/> when a
    /// variable is unset, empty when it is set to nothing (which <see cref="SettingLayer.Environment"/> treats as "clear").
    /// </summary>
    public static IReadOnlyDictionary<string, string?> FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= System.Environment.GetEnvironmentVariable;
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in NeonSettingCatalog.All)
        {
            if (setting.EnvironmentVariable is { } variable)
            {
                values[setting.Property] = getVariable(variable);
            }
        }

        return values;
    }
}
