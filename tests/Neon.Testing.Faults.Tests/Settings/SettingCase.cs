using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Faults.Tests.Settings;

/// <summary>One value given to one setting through one source. <c>{sandbox}</c> in the value is the case's own folder.</summary>
internal sealed record SettingValue(NeonSetting Setting, string Value, SettingSourceKind Source);

/// <summary>
/// One case of the bad-settings matrix: the values given and the setting the error must blame (<see langword="null"/>
/// when the values are not an error: empty and whitespace mean "unset").
/// </summary>
internal sealed record SettingCase(string Category, IReadOnlyList<SettingValue> Values, NeonSetting? Blamed)
{
    /// <summary>Readable and unique within the matrix: <c>huge duration/NeonBranchExpiry='1e300'@EnvironmentVariable</c>.</summary>
    public string Name => $"{Category}/" + string.Join(" + ", Values.Select(v => $"{v.Setting.Property}='{Show(v.Value)}'@{v.Source}"));

    private static string Show(string value)
    {
        var shown = string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return shown.Length > 40 ? shown[..20] + $"…({shown.Length})" : shown;
    }
}
