namespace Neon.Testing.Engine.Configuration;

/// <summary>Settings keyed by MSBuild property name (<c>NeonIsolation</c>), and where they came from.</summary>
/// <param name="Source">Named in errors about these values.</param>
/// <param name="Values">Values keyed by property name; <see langword="null"/> means not set.</param>
public sealed record SettingLayer(SettingSource Source, IReadOnlyDictionary<string, string?> Values)
{
    /// <summary>MSBuild properties, keyed by property name.</summary>
    public static SettingLayer MSBuild(IReadOnlyDictionary<string, string?> values) => new(SettingSource.MSBuild, values);

    /// <summary>Command-line options, already keyed by property name.</summary>
    public static SettingLayer CommandLine(IReadOnlyDictionary<string, string?> values) => new(SettingSource.CommandLine, values);

    /// <summary>The <c>NEON_*</c> environment variables: unset ones are <see langword="null"/>, empty ones clear.</summary>
    public static SettingLayer Environment(Func<string, string?>? getVariable = null) =>
        new(SettingSource.Environment, NeonTestingOptions.FromEnvironment(getVariable));
}
