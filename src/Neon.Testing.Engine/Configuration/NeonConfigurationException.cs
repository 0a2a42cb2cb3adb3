using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Engine;

/// <summary>A setting is missing or invalid; the message names the setting, the source it came from and the fix.</summary>
public sealed class NeonConfigurationException : Exception
{
    /// <summary>Creates the exception for <paramref name="setting"/>.</summary>
    public NeonConfigurationException(string setting, string message)
        : base(message)
    {
        Setting = setting;
    }

    /// <summary>Creates the exception for <paramref name="setting"/> with the underlying cause.</summary>
    public NeonConfigurationException(string setting, string message, Exception innerException)
        : base(message, innerException)
    {
        Setting = setting;
    }

    /// <summary>The MSBuild property name of the offending setting (e.g. <c>NeonBranchExpiry</c>).</summary>
    public string Setting { get; }

    /// <summary>The diagnostic code: the setting's <c>NEON1xxx</c>, or <c>NEON1000</c> for a problem without a setting of its own.</summary>
    public string Code => NeonSettingCatalog.CodeFor(Setting);
}
