using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Engine;

/// <summary>Parsing: layers of settings merged in order, each value parsed by its catalogue entry.</summary>
public sealed partial record NeonTestingOptions
{
    /// <summary>
    /// Builds options from settings keyed by MSBuild property name (<c>NeonKeepBranches</c>), origin unknown.
    /// Later sources win: <paramref name="sources"/> are applied in order, and empty values are ignored.
    /// </summary>
    public static NeonTestingOptions Parse(params IEnumerable<IReadOnlyDictionary<string, string?>> sources) =>
        Parse(sources.Select(values => new SettingLayer(SettingSource.Settings, values)));

    /// <summary>
    /// Builds options from layers of settings, each labelled with its source. Later layers win. An empty value
    /// clears what earlier layers set when its source says so (<see cref="SettingSource.EmptyClears"/>: environment
    /// variables and options), and is ignored otherwise. Keys that name no setting are ignored.
    /// </summary>
    /// <exception cref="NeonConfigurationException">A value is invalid, or settings contradict each other; the message names the setting, its source and the fix.</exception>
    public static NeonTestingOptions Parse(params IEnumerable<SettingLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var merged = new Dictionary<NeonSetting, (string Value, SettingSource Source)>();
        foreach (var layer in layers)
        {
            foreach (var (key, value) in layer.Values)
            {
                if (NeonSettingCatalog.Find(key) is not { } setting)
                {
                    continue;
                }

                if (!string.IsNullOrWhiteSpace(value))
                {
                    merged[setting] = (value.Trim(), layer.Source);
                }
                else if (value is not null && layer.Source.EmptyClears)
                {
                    // Set but empty: deliberate. Unset (null) leaves earlier layers alone.
                    merged.Remove(setting);
                }
            }
        }

        // Relative paths of other settings resolve against the working directory: it goes first.
        var options = new NeonTestingOptions();
        foreach (var setting in NeonSettingCatalog.All.OrderBy(s => s == NeonSettingCatalog.WorkingDirectory ? 0 : 1))
        {
            if (merged.TryGetValue(setting, out var entry))
            {
                options = Apply(options, setting, entry.Value, entry.Source);
            }
        }

        options.Validate(setting => merged.TryGetValue(setting, out var entry) ? entry.Source : null);
        return options;
    }

    private static NeonTestingOptions Apply(NeonTestingOptions options, NeonSetting setting, string value, SettingSource source)
    {
        try
        {
            return setting.Apply(options, value);
        }
        catch (SettingValueException e)
        {
            throw new NeonConfigurationException(setting.Property, InvalidValueMessage(setting, value, source, e.Problem, e.Hint));
        }
    }

    /// <summary>
    /// The one shape of a bad-value message: what is wrong, the valid forms, where the value came from and
    /// how to fix it there. A secret's value is never shown.
    /// </summary>
    internal static string InvalidValueMessage(NeonSetting setting, string value, SettingSource source, string problem, string hint)
    {
        // Control characters are shown escaped: raw, they would vanish or break the one line of the error.
        var shown = string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        var subject = setting.IsSecret ? $"{setting.Property} is set to a value not shown here" : $"{setting.Property} is '{shown}'";
        return $"{subject}{problem}. {hint} {source.Fix(setting)}";
    }
}
