using System.Text.RegularExpressions;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Faults.Tests.Settings;

/// <summary>
/// Whether one case's outcome is the clear error issue 13 asks for: one <see cref="NeonConfigurationException"/> on one
/// line, blaming the right setting, naming where each value it mentions came from, saying what to do, never repeating
/// a secret, and nothing created. Empty values must instead be taken as unset.
/// </summary>
internal static partial class SettingVerdict
{
    /// <summary>The reason the outcome is not clear, or <see langword="null"/> when it is.</summary>
    public static string? Judge(SettingCase @case, Exception? error, NeonTestingOptions? options, Func<SettingValue, SettingSource> sourceOf, IReadOnlyList<string> created)
    {
        if (created.Count > 0)
        {
            return "created " + string.Join(", ", created);
        }

        if (@case.Blamed is null)
        {
            if (error is not null)
            {
                return $"an empty value failed: {error.GetType().Name}: {error.Message}";
            }

            var setting = @case.Values[0].Setting;
            var property = typeof(NeonTestingOptions).GetProperty(setting.Property["Neon".Length..])!;
            var expected = setting.GetType().GetProperty("Default")!.GetValue(setting);
            var actual = property.GetValue(options);
            return Equals(expected, actual) ? null : $"an empty value gave '{actual}' instead of the default '{expected}'";
        }

        if (error is not NeonConfigurationException configuration)
        {
            return error is null ? "accepted" : $"{error.GetType().Name} instead of a configuration error: {error.Message}";
        }

        var message = configuration.Message;
        var problems = new List<string>();
        if (configuration.Setting != @case.Blamed.Property)
        {
            problems.Add($"blames {configuration.Setting}, not {@case.Blamed.Property}");
        }

        if (!message.Contains(@case.Blamed.Property, StringComparison.Ordinal))
        {
            problems.Add("does not name " + @case.Blamed.Property);
        }

        foreach (var value in @case.Values.Where(v => message.Contains(v.Setting.Property, StringComparison.Ordinal) || v.Setting == @case.Blamed))
        {
            // The settings file is named by its path; the other sources by the property, variable or option.
            var origin = sourceOf(value);
            var source = origin.Kind == SettingSourceKind.ConfigurationFile ? origin.Path! : origin.Name(value.Setting);
            if (!message.Contains(source, StringComparison.Ordinal))
            {
                problems.Add($"does not say it came from {source}");
            }
        }

        if (!Fix().IsMatch(message))
        {
            problems.Add("says no fix");
        }

        if (message.Contains('\n', StringComparison.Ordinal))
        {
            problems.Add("is more than one line");
        }

        if (message.Contains(BadSettingMatrix.Password, StringComparison.Ordinal) || @case.Values.Any(v => v.Setting.IsSecret && message.Contains(v.Value, StringComparison.Ordinal)))
        {
            problems.Add("repeats a secret");
        }

        if (configuration.Code != configuration.Setting switch { var s when NeonSettingCatalog.Find(s) is { } found => found.Code, _ => NeonSettingCatalog.OtherSettingCode })
        {
            problems.Add("has the wrong code " + configuration.Code);
        }

        return problems.Count == 0 ? null : string.Join("; ", problems) + $" — \"{message}\"";
    }

    [GeneratedRegex(@"\b(Use|Set|Keep|Remove|Clear|clear|List|fix it|fix the property)\b")]
    private static partial Regex Fix();
}
