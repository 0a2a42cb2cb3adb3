using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Tasks;

/// <summary>
/// The <c>NEONxxxx</c> codes the SDK reports: <c>NEON1xxx</c> a setting is invalid (one code per
/// property), <c>NEON2xxx</c> the package wiring, <c>NEON3xxx</c> the session of a VSTest run.
/// The README's table lists every code; a test keeps the two in step.
/// </summary>
internal static class NeonDiagnostics
{
    /// <summary>A setting without a code of its own, such as a broken <c>neon-testing.json</c>.</summary>
    public const string OtherSetting = NeonSettingCatalog.OtherSettingCode;

    /// <summary>Warning: the password of <c>NeonLocalConnectionString</c> is kept out of <c>neon-testing.json</c>.</summary>
    public const string PasswordNotWritten = "NEON2001";

    /// <summary>Warning: referenced as a PackageReference, the SDK cannot add the runtime package the test framework needs.</summary>
    public const string RuntimePackageMissing = "NEON2002";

    /// <summary>Warning: the tasks need the .NET MSBuild (<c>dotnet build</c>), not the .NET Framework one.</summary>
    public const string UnsupportedMSBuild = "NEON2003";

    /// <summary>Warning: the project reaches EF Core only through a reference, and Neon.Testing.EntityFrameworkCore is missing.</summary>
    public const string EfCorePackageMissing = "NEON2004";

    /// <summary>Error: EF Core migrations need the session in the test process, and this VSTest run's session lives in MSBuild.</summary>
    public const string EfCoreNeedsTestProcess = "NEON2005";

    /// <summary>Error: the session could not start (PostgreSQL, the Neon API, the network).</summary>
    public const string SessionStartFailed = "NEON3001";

    /// <summary>Error: a migration failed; nothing was left behind.</summary>
    public const string MigrationFailed = "NEON3002";

    /// <summary>Warning: a branch could not be deleted; it expires by itself.</summary>
    public const string SessionStopFailed = "NEON3003";

    /// <summary>Error: a user command (NeonBranches, NeonSweep, NeonStopServer) could not do what it was asked.</summary>
    public const string MaintenanceFailed = "NEON3004";

    /// <summary>One code per setting, from <see cref="NeonSettingCatalog"/>.</summary>
    public static IReadOnlyDictionary<string, string> SettingCodes { get; } =
        NeonSettingCatalog.All.ToDictionary(s => s.Property, s => s.Code, StringComparer.OrdinalIgnoreCase);

    /// <summary>The code for an invalid <paramref name="setting"/>.</summary>
    public static string ForSetting(string? setting) => NeonSettingCatalog.CodeFor(setting);
}
