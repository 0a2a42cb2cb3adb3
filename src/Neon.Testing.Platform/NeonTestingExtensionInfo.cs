namespace Neon.Testing.Platform;

/// <summary>Identity every part of the extension reports to the platform.</summary>
internal static class NeonTestingExtensionInfo
{
    public const string Uid = "Neon.Testing";
    public const string DisplayName = "Neon.Testing";
    public const string Description = "Isolated PostgreSQL databases (Neon branches or a local PostgreSQL) for every test.";

    public static string Version { get; } = typeof(NeonTestingExtensionInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
