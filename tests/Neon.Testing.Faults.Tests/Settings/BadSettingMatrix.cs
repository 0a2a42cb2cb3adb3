using Neon.Testing.Engine;
using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Faults.Tests.Settings;

/// <summary>
/// The generated matrix of issue 13 item 8: every setting of <see cref="NeonSettingCatalog"/> × the bad values that fit
/// its kind × every source it can come from, plus conflicting pairs and "empty means unset". A new setting gets the
/// values of its kind by itself; a setting of a kind this file does not know fails <see cref="KindsAreKnown"/>.
/// </summary>
internal static class BadSettingMatrix
{
    /// <summary>Known in every case's folder: a file where a folder is wanted, a folder of migrations, an API key.</summary>
    public const string AFile = "{sandbox}/a-file";

    public const string SqlFolder = "sql";

    public const string Password = "hunter2-fault-suite";

    /// <summary>Settings that take any text: no value of theirs is wrong (names, ids and commands are the user's).</summary>
    public static readonly IReadOnlySet<NeonSetting> FreeText = new HashSet<NeonSetting>
    {
        NeonSettingCatalog.ParentBranch, NeonSettingCatalog.MigrationCommand, NeonSettingCatalog.WorkingDirectory,
    };

    /// <summary>Bad values per setting, by category. Durations, counts, booleans and enums get theirs from their type.</summary>
    public static IEnumerable<(string Category, string Value)> BadValuesOf(NeonSetting setting)
    {
        switch (setting)
        {
            case NeonSetting<bool>:
                yield return ("wrong type", "maybe");
                yield return ("wrong type", "2");
                yield return ("wrong type", "yes please");
                break;
            case NeonSetting<ProviderKind> or NeonSetting<TestIsolation> or NeonSetting<ConcurrentTests>:
                yield return ("unknown enum", setting == NeonSettingCatalog.Provider ? "Cloud" : setting == NeonSettingCatalog.ConcurrentTests ? "Parallel" : "Sometimes");
                yield return ("unknown enum", "7");
                yield return ("unknown enum", "-1");
                yield return ("unknown enum", setting == NeonSettingCatalog.Provider ? "Neon,Local" : setting == NeonSettingCatalog.ConcurrentTests ? "Branches,Serial" : "Isolated,Shared");
                break;
            case NeonSetting<int>:
                yield return ("wrong type", "three");
                yield return ("wrong type", "1.5");
                yield return ("negative", "-1");
                yield return ("huge", "101");
                yield return ("huge", "99999999999");
                break;
            case NeonSetting<TimeSpan>:
                yield return ("wrong type", "soon");
                yield return ("wrong type", "10x");
                yield return ("wrong type", "NaN");
                yield return ("negative duration", "-5");
                yield return ("negative duration", "-00:01:00");
                yield return ("negative duration", "-1d");
                yield return ("huge duration", "1e300");
                yield return ("huge duration", "Infinity");
                yield return ("huge duration", "99999999999d");
                yield return ("huge duration", "400d");
                if (setting == NeonSettingCatalog.BranchExpiry)
                {
                    yield return ("zero duration", "0");
                    yield return ("zero duration", "00:00:00");

                    // Neon refuses an expiry more than 30 days ahead (and so does the emulator).
                    yield return ("huge duration", "31d");
                }

                break;
            case NeonSetting<Uri>:
                yield return ("wrong type", "ftp://example.com/api/v2/");
                yield return ("wrong type", "not a url");
                yield return ("wrong type", "console.neon.tech/api/v2");
                yield return ("wrong type", "http://");
                break;
        }

        var name = setting.Property;
        if (name is NeonSettings.Database or NeonSettings.Role)
        {
            yield return ("63-byte name", new string('n', 64));
            yield return ("63-byte name", new string('é', 32)); // 32 characters, 64 bytes: PostgreSQL would cut it.
            yield return ("control character", "neon\u0001db");
        }
        else if (name is NeonSettings.EnvVar or NeonSettings.ConnectionStringName)
        {
            yield return ("wrong type", "DATABASE-URL");
            yield return ("wrong type", "1st");
            yield return ("wrong type", "has space");
            yield return ("wrong type", "DATABASE_ÜRL");
            yield return ("wrong type", "A=B");
        }
        else if (name == NeonSettings.ProjectId)
        {
            yield return ("wrong type", "my project");
            yield return ("wrong type", "young-sun/../other");
            yield return ("wrong type", "proj\"';--");
        }
        else if (name == NeonSettings.ApiKey)
        {
            yield return ("wrong type", Password + " with spaces");
            yield return ("control character", Password + "\u0001");
            yield return ("control character", Password + "\nX-Injected: 1");
        }
        else if (name == NeonSettings.Migrations)
        {
            yield return ("missing path", "does/not/exist");
            yield return ("missing path", "/nonexistent-neon-faults/sql");
            yield return ("missing path", "sql/missing.sql");
        }
        else if (name == NeonSettings.MigrationInputs)
        {
            yield return ("missing path", "does/not/exist/**/*.cs");
            yield return ("missing path", "missing.txt");
            yield return ("missing path", "/nonexistent-neon-faults/*.cs");
        }
        else if (name == NeonSettings.DbContext)
        {
            yield return ("wrong type", "App DbContext;");
            yield return ("wrong type", "1Context");
            yield return ("wrong type", "App..Context");
            yield return ("wrong type", "AppContext, App");
        }
        else if (name == NeonSettings.LocalConnectionString)
        {
            yield return ("wrong type", $"Host=x;Password={Password};Bogus Key=1");
            yield return ("wrong type", $"Host=x;Port=not-a-port;Password={Password}");
            yield return ("wrong type", $"Password={Password};;==;");
            yield return ("wrong type", $"Host=x;Password={Password};Timeout=-3");
        }
        else if (name == NeonSettings.LocalDataDirectory)
        {
            yield return ("unwritable path", AFile);
            yield return ("unwritable path", AFile + "/cluster");
            yield return ("unwritable path", "/proc/neon-faults-cluster");
            yield return ("unwritable path", "/proc/self/neon/faults");
        }
    }

    /// <summary>Where <paramref name="setting"/> can come from: MSBuild and the settings file always; a variable and an option when it has them.</summary>
    public static IEnumerable<SettingSourceKind> SourcesOf(NeonSetting setting)
    {
        yield return SettingSourceKind.MSBuildProperty;
        if (setting != NeonSettingCatalog.ApiKey)
        {
            // The settings file refuses the API key outright (a different error, tested below).
            yield return SettingSourceKind.ConfigurationFile;
        }

        if (setting.EnvironmentVariable is not null)
        {
            yield return SettingSourceKind.EnvironmentVariable;
        }

        if (setting.Option is not null)
        {
            yield return SettingSourceKind.CommandLineOption;
        }
    }

    /// <summary>Every case: bad single values, empty values, conflicting pairs.</summary>
    public static IReadOnlyList<SettingCase> Cases()
    {
        var cases = new List<SettingCase>();
        foreach (var setting in NeonSettingCatalog.All)
        {
            foreach (var source in SourcesOf(setting))
            {
                foreach (var (category, value) in BadValuesOf(setting))
                {
                    // Environment variables cannot hold NUL; everything else they can.
                    cases.Add(new SettingCase(category, [new SettingValue(setting, value, source)], setting));
                }

                if (setting != NeonSettingCatalog.WorkingDirectory)
                {
                    cases.Add(new SettingCase("empty means unset", [new SettingValue(setting, "", source)], null));
                    cases.Add(new SettingCase("whitespace means unset", [new SettingValue(setting, " \t ", source)], null));
                }
            }
        }

        cases.AddRange(Conflicts());
        return cases;
    }

    /// <summary>Pairs that contradict each other, each from every combination of two sources both settings have.</summary>
    private static IEnumerable<SettingCase> Conflicts()
    {
        var pairs = new (NeonSetting First, string FirstValue, NeonSetting Second, string SecondValue, NeonSetting Blamed)[]
        {
            (NeonSettingCatalog.Migrations, SqlFolder, NeonSettingCatalog.MigrationCommand, "echo migrate", NeonSettingCatalog.MigrationCommand),
            (NeonSettingCatalog.DbContext, "AppDbContext", NeonSettingCatalog.Migrations, SqlFolder, NeonSettingCatalog.DbContext),
            (NeonSettingCatalog.DbContext, "AppDbContext", NeonSettingCatalog.MigrationCommand, "echo migrate", NeonSettingCatalog.DbContext),
            (NeonSettingCatalog.MigrationInputs, "sql/*.sql", NeonSettingCatalog.Migrations, SqlFolder, NeonSettingCatalog.MigrationInputs),
            (NeonSettingCatalog.Provider, "Neon", NeonSettingCatalog.ApiKey, "napi_faults_key", NeonSettingCatalog.ProjectId),
            (NeonSettingCatalog.Provider, "Neon", NeonSettingCatalog.ProjectId, "young-sun-12345678", NeonSettingCatalog.ApiKey),
        };
        foreach (var (first, firstValue, second, secondValue, blamed) in pairs)
        {
            foreach (var firstSource in SourcesOf(first))
            {
                foreach (var secondSource in SourcesOf(second))
                {
                    yield return new SettingCase("conflicting pair", [new SettingValue(first, firstValue, firstSource), new SettingValue(second, secondValue, secondSource)], blamed);
                }
            }
        }

        // A lone MigrationInputs, which only a command reads.
        foreach (var source in SourcesOf(NeonSettingCatalog.MigrationInputs))
        {
            yield return new SettingCase("conflicting pair", [new SettingValue(NeonSettingCatalog.MigrationInputs, "sql/*.sql", source)], NeonSettingCatalog.MigrationInputs);
        }
    }

    /// <summary>Settings whose kind the matrix has no bad value for, but that are not free text: must be empty.</summary>
    public static IEnumerable<NeonSetting> KindsAreKnown() =>
        NeonSettingCatalog.All.Where(s => !FreeText.Contains(s) && !BadValuesOf(s).Any());
}
