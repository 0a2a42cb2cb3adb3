namespace Neon.Testing.Engine.Configuration;

/// <summary>
/// One setting, defined once in <see cref="NeonSettingCatalog"/>: its names in every source, its default,
/// how its text is parsed and checked, its <c>NEON1xxx</c> code and whether it is secret.
/// </summary>
public abstract class NeonSetting
{
    private protected NeonSetting(string property, string? environmentVariable, string? option, string code, string description, string documentedDefault, bool isSecret)
    {
        Property = property;
        EnvironmentVariable = environmentVariable;
        Option = option;
        Code = code;
        Description = description;
        DocumentedDefault = documentedDefault;
        IsSecret = isSecret;
    }

    /// <summary>MSBuild property and <c>neon-testing.json</c> key: <c>NeonIsolation</c>.</summary>
    public string Property { get; }

    /// <summary>Environment variable (<c>NEON_ISOLATION</c>); <see langword="null"/> when there is none.</summary>
    public string? EnvironmentVariable { get; }

    /// <summary>Command-line option without its dashes (<c>neon-isolation</c>); <see langword="null"/> for secrets, which stay out of command lines.</summary>
    public string? Option { get; }

    /// <summary>The diagnostic code of an invalid value: <c>NEON1015</c>.</summary>
    public string Code { get; }

    /// <summary>One line for <c>--help</c> and the README.</summary>
    public string Description { get; }

    /// <summary>The default as the README shows it (Markdown): <c>`Isolated`</c>, or empty when unset.</summary>
    public string DocumentedDefault { get; }

    /// <summary>The value may hold a secret: it is never echoed, and never passed on a command line.</summary>
    public bool IsSecret { get; }

    /// <summary>A boolean: the option may be given without an argument, meaning <c>true</c>.</summary>
    public abstract bool IsSwitch { get; }

    /// <inheritdoc />
    public override string ToString() => Property;

    /// <summary>Parses <paramref name="text"/> (trimmed, not empty) and sets it on <paramref name="options"/>.</summary>
    /// <exception cref="SettingValueException">The value is invalid.</exception>
    internal abstract NeonTestingOptions Apply(NeonTestingOptions options, string text);
}

/// <summary>A setting whose parsed value is a <typeparamref name="T"/>.</summary>
public sealed class NeonSetting<T> : NeonSetting
{
    private readonly Func<T> _default;
    private readonly Func<string, NeonTestingOptions, T> _parse;
    private readonly Func<NeonTestingOptions, T, NeonTestingOptions> _set;

    internal NeonSetting(
        string property,
        string? environmentVariable,
        string? option,
        string code,
        string description,
        string documentedDefault,
        Func<T> defaultValue,
        Func<string, NeonTestingOptions, T> parse,
        Func<NeonTestingOptions, T, NeonTestingOptions> set,
        bool isSecret = false)
        : base(property, environmentVariable, option, code, description, documentedDefault, isSecret)
    {
        _default = defaultValue;
        _parse = parse;
        _set = set;
    }

    /// <summary>The value when no source sets it.</summary>
    public T Default => _default();

    /// <inheritdoc />
    public override bool IsSwitch => typeof(T) == typeof(bool);

    /// <summary>Parses <paramref name="text"/> as this setting, relative paths against <paramref name="options"/>' working directory.</summary>
    internal T Parse(string text, NeonTestingOptions options) => _parse(text, options);

    internal override NeonTestingOptions Apply(NeonTestingOptions options, string text) => _set(options, _parse(text, options));
}
