namespace Neon.Testing.Engine.Configuration;

/// <summary>
/// A parser's verdict on one value, without the setting or its source: <see cref="NeonTestingOptions"/>
/// turns it into a <see cref="NeonConfigurationException"/> that names both.
/// </summary>
/// <param name="problem">Follows "NeonX is 'value'": <c>", which is not a boolean"</c>, or empty.</param>
/// <param name="hint">The valid forms: <c>"Use 'true' or 'false'."</c></param>
internal sealed class SettingValueException(string problem, string hint) : Exception(problem + ". " + hint)
{
    public string Problem { get; } = problem;

    public string Hint { get; } = hint;
}
