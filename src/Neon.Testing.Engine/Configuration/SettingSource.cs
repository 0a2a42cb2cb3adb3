namespace Neon.Testing.Engine.Configuration;

/// <summary>Where a setting's value came from, named in every error about it.</summary>
public enum SettingSourceKind
{
    /// <summary>A dictionary keyed by property name, origin unknown (tests, direct callers).</summary>
    Settings = 0,

    /// <summary>A <c>Neon*</c> MSBuild property of the test project.</summary>
    MSBuildProperty,

    /// <summary><c>neon-testing.json</c> next to the test assembly, written from the MSBuild properties.</summary>
    ConfigurationFile,

    /// <summary>A <c>NEON_*</c> environment variable.</summary>
    EnvironmentVariable,

    /// <summary>A <c>--neon-*</c> option of the test application.</summary>
    CommandLineOption,
}

/// <summary>The origin of a layer of settings: its kind, and the file for <see cref="SettingSourceKind.ConfigurationFile"/>.</summary>
public sealed record SettingSource(SettingSourceKind Kind, string? Path = null)
{
    /// <summary>Plain settings keyed by property name.</summary>
    public static SettingSource Settings { get; } = new(SettingSourceKind.Settings);

    /// <summary>MSBuild properties.</summary>
    public static SettingSource MSBuild { get; } = new(SettingSourceKind.MSBuildProperty);

    /// <summary>Environment variables.</summary>
    public static SettingSource Environment { get; } = new(SettingSourceKind.EnvironmentVariable);

    /// <summary>Command-line options.</summary>
    public static SettingSource CommandLine { get; } = new(SettingSourceKind.CommandLineOption);

    /// <summary>The settings file at <paramref name="path"/>.</summary>
    public static SettingSource File(string path) => new(SettingSourceKind.ConfigurationFile, path);

    /// <summary>
    /// Whether an empty value clears what earlier sources set. True for environment variables and options,
    /// where "set but empty" is deliberate; MSBuild hands every property over, set or not, so there empty means unset.
    /// </summary>
    public bool EmptyClears => Kind is SettingSourceKind.EnvironmentVariable or SettingSourceKind.CommandLineOption;

    /// <summary>Names where <paramref name="setting"/> was read: <c>the environment variable NEON_ISOLATION</c>.</summary>
    public string Name(NeonSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return Kind switch
        {
            SettingSourceKind.MSBuildProperty => $"the MSBuild property {setting.Property}",
            SettingSourceKind.ConfigurationFile => $"{setting.Property} in {Path}",
            SettingSourceKind.EnvironmentVariable => $"the environment variable {setting.EnvironmentVariable}",
            SettingSourceKind.CommandLineOption => $"the command-line option --{setting.Option}",
            _ => $"the setting {setting.Property}",
        };
    }

    /// <summary>One sentence: where <paramref name="setting"/> came from and how to fix it there.</summary>
    public string Fix(NeonSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return Kind switch
        {
            SettingSourceKind.MSBuildProperty => $"It comes from {Name(setting)}: fix it in the project file (or -p:{setting.Property}=...), or remove it.",
            SettingSourceKind.ConfigurationFile => $"It comes from {Path}, which the SDK writes from the MSBuild property {setting.Property}: fix the property and rebuild.",
            SettingSourceKind.EnvironmentVariable => $"It comes from {Name(setting)}: fix it, or set it to an empty value to clear it.",
            SettingSourceKind.CommandLineOption => $"It comes from {Name(setting)}: fix it, or leave the option out.",
            _ => $"Fix {setting.Property}, or clear it.",
        };
    }
}
