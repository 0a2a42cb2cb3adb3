using System.Globalization;

namespace Neon.Testing.Engine;

/// <summary>
/// Every setting of a test session. Built from <c>Neon*</c> MSBuild properties, environment
/// variables or MTP command-line options through <see cref="Parse"/>, which fails with a
/// <see cref="NeonConfigurationException"/> naming the property and the fix.
/// </summary>
public sealed record NeonTestingOptions
{
    /// <summary>Kill switch: when <see langword="false"/> nothing is created.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Which engine to use.</summary>
    public ProviderKind Provider { get; init; } = ProviderKind.Auto;

    /// <summary>Neon project id (<c>NeonProjectId</c> / <c>NEON_PROJECT_ID</c>).</summary>
    public string? ProjectId { get; init; }

    /// <summary>Neon API key. Never logged; prefer the <c>NEON_API_KEY</c> environment variable.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Neon API base address; overridden only to reach an emulator.</summary>
    public Uri ApiUrl { get; init; } = new("https://console.neon.tech/api/v2/");

    /// <summary>Parent branch id or name; the project's default branch when empty.</summary>
    public string? ParentBranch { get; init; }

    /// <summary>Database name the connection strings point at.</summary>
    public string Database { get; init; } = "neondb";

    /// <summary>Role the read-write connection strings log in as.</summary>
    public string Role { get; init; } = "neondb_owner";

    /// <summary>Keep every branch after the session, for debugging.</summary>
    public bool KeepBranches { get; init; }

    /// <summary>Expiry stamped on branches as a safety net for crashed runs.</summary>
    public TimeSpan BranchExpiry { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Environment variable that receives the test's connection string.</summary>
    public string EnvVar { get; init; } = "DATABASE_URL";

    /// <summary>When set, <c>ConnectionStrings__&lt;Name&gt;</c> receives the connection string too.</summary>
    public string? ConnectionStringName { get; init; }

    /// <summary>Folder of <c>.sql</c> files (or one file) applied in ordinal name order.</summary>
    public string? Migrations { get; init; }

    /// <summary>Shell command that migrates the database found in <see cref="EnvVar"/>.</summary>
    public string? MigrationCommand { get; init; }

    /// <summary>How long a migrated template may be reused by later sessions; zero disables reuse.</summary>
    public TimeSpan MigrationCacheExpiry { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Default isolation level for tests that do not pick one.</summary>
    public TestIsolation Isolation { get; init; } = TestIsolation.Isolated;

    /// <summary>Existing server for the Local provider (needs CREATEDB); embedded cluster when empty.</summary>
    public string? LocalConnectionString { get; init; }

    /// <summary>Where the embedded cluster lives; a per-user cache folder when empty.</summary>
    public string? LocalDataDirectory { get; init; }

    /// <summary>Base folder for relative paths and the migration command (the test project's folder).</summary>
    public string WorkingDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>The engine <see cref="ProviderKind.Auto"/> resolves to.</summary>
    public ProviderKind ResolvedProvider => Provider switch
    {
        ProviderKind.Auto when !string.IsNullOrEmpty(ApiKey) && !string.IsNullOrEmpty(ProjectId) => ProviderKind.Neon,
        ProviderKind.Auto => ProviderKind.Local,
        _ => Provider,
    };

    /// <summary>
    /// Builds options from settings keyed by MSBuild property name (<c>NeonKeepBranches</c>).
    /// Later sources win: <paramref name="sources"/> are applied in order, and empty values are ignored.
    /// </summary>
    public static NeonTestingOptions Parse(params IEnumerable<IReadOnlyDictionary<string, string?>> sources)
    {
        var merged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var source in sources)
        {
            foreach (var (key, value) in source)
            {
                if (!string.IsNullOrWhiteSpace(value))
                {
                    merged[key] = value.Trim();
                }
            }
        }

        string? Get(string name) => merged.TryGetValue(name, out var v) ? v : null;

        var options = new NeonTestingOptions();
        options = options with
        {
            Enabled = ParseBool(NeonSettings.Enabled, Get(NeonSettings.Enabled)) ?? true,
            Provider = ParseEnum(NeonSettings.Provider, Get(NeonSettings.Provider), ProviderKind.Auto),
            ProjectId = Get(NeonSettings.ProjectId),
            ApiKey = Get(NeonSettings.ApiKey),
            ApiUrl = ParseUri(NeonSettings.ApiUrl, Get(NeonSettings.ApiUrl)) ?? options.ApiUrl,
            ParentBranch = Get(NeonSettings.ParentBranch),
            Database = ParseIdentifier(NeonSettings.Database, Get(NeonSettings.Database)) ?? options.Database,
            Role = ParseIdentifier(NeonSettings.Role, Get(NeonSettings.Role)) ?? options.Role,
            KeepBranches = ParseBool(NeonSettings.KeepBranches, Get(NeonSettings.KeepBranches)) ?? false,
            BranchExpiry = ParseDuration(NeonSettings.BranchExpiry, Get(NeonSettings.BranchExpiry), allowZero: false) ?? options.BranchExpiry,
            EnvVar = ParseEnvVarName(NeonSettings.EnvVar, Get(NeonSettings.EnvVar)) ?? options.EnvVar,
            ConnectionStringName = ParseEnvVarName(NeonSettings.ConnectionStringName, Get(NeonSettings.ConnectionStringName)),
            Migrations = Get(NeonSettings.Migrations),
            MigrationCommand = Get(NeonSettings.MigrationCommand),
            MigrationCacheExpiry = ParseDuration(NeonSettings.MigrationCacheExpiry, Get(NeonSettings.MigrationCacheExpiry), allowZero: true) ?? options.MigrationCacheExpiry,
            Isolation = ParseEnum(NeonSettings.Isolation, Get(NeonSettings.Isolation), TestIsolation.Isolated),
            LocalConnectionString = Get(NeonSettings.LocalConnectionString),
            LocalDataDirectory = Get(NeonSettings.LocalDataDirectory),
            WorkingDirectory = Get(NeonSettings.WorkingDirectory) ?? options.WorkingDirectory,
        };
        options.Validate();
        return options;
    }

    /// <summary>Settings found in environment variables, keyed by MSBuild property name.</summary>
    public static IReadOnlyDictionary<string, string?> FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (property, variable) in NeonSettings.EnvironmentVariables)
        {
            values[property] = getVariable(variable);
        }

        return values;
    }

    /// <summary>Checks cross-setting rules; throws <see cref="NeonConfigurationException"/> on the first problem.</summary>
    public void Validate()
    {
        if (!Enabled)
        {
            return;
        }

        if (Provider == ProviderKind.Neon && string.IsNullOrEmpty(ProjectId))
        {
            throw new NeonConfigurationException(NeonSettings.ProjectId,
                "NeonProvider is 'Neon' but NeonProjectId is empty. Set NeonProjectId (or NEON_PROJECT_ID) to your Neon project id, or set NeonProvider to 'Local'.");
        }

        if (Provider == ProviderKind.Neon && string.IsNullOrEmpty(ApiKey))
        {
            throw new NeonConfigurationException(NeonSettings.ApiKey,
                "NeonProvider is 'Neon' but no API key is configured. Set the NEON_API_KEY environment variable, or set NeonProvider to 'Local'.");
        }

        if (!string.IsNullOrEmpty(Migrations) && !string.IsNullOrEmpty(MigrationCommand))
        {
            throw new NeonConfigurationException(NeonSettings.MigrationCommand,
                "Both NeonMigrations and NeonMigrationCommand are set. Keep one: a folder of .sql files, or a command.");
        }

        if (!string.IsNullOrEmpty(Migrations))
        {
            var path = Path.GetFullPath(Migrations, WorkingDirectory);
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                throw new NeonConfigurationException(NeonSettings.Migrations,
                    $"NeonMigrations points at '{path}', which does not exist. Set NeonMigrations to a folder of .sql files relative to the project, or clear it.");
            }
        }

        if (!string.IsNullOrEmpty(LocalConnectionString))
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(LocalConnectionString);
            }
            catch (ArgumentException)
            {
                // The value holds a password: never echo it.
                throw new NeonConfigurationException(NeonSettings.LocalConnectionString,
                    "NeonLocalConnectionString is not a valid Npgsql connection string (e.g. 'Host=localhost;Username=me;Password=...'). Fix it, or clear it to use the embedded PostgreSQL.");
            }
        }
    }

    /// <summary>Values worth showing in logs and summaries: everything except secrets.</summary>
    public override string ToString() =>
        $"Provider={ResolvedProvider}, ProjectId={ProjectId ?? "-"}, ApiKey={(string.IsNullOrEmpty(ApiKey) ? "unset" : "set")}, " +
        $"Database={Database}, Role={Role}, KeepBranches={KeepBranches}, BranchExpiry={BranchExpiry.TotalSeconds}s, " +
        $"EnvVar={EnvVar}, Isolation={Isolation}, Migrations={Migrations ?? MigrationCommand ?? "-"}";

    internal static bool? ParseBool(string setting, string? value)
    {
        if (value is null)
        {
            return null;
        }

        return value.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            _ => throw new NeonConfigurationException(setting, $"{setting} is '{value}', which is not a boolean. Use 'true' or 'false'."),
        };
    }

    internal static T ParseEnum<T>(string setting, string? value, T fallback)
        where T : struct, Enum
    {
        if (value is null)
        {
            return fallback;
        }

        if (Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _))
        {
            return parsed;
        }

        throw new NeonConfigurationException(setting,
            $"{setting} is '{value}'. Use one of: {string.Join(", ", Enum.GetNames<T>())}.");
    }

    /// <summary>Accepts seconds (<c>600</c>), a suffixed value (<c>90s</c>, <c>10m</c>, <c>2h</c>, <c>1d</c>) or <c>hh:mm:ss</c>.</summary>
    internal static TimeSpan? ParseDuration(string setting, string? value, bool allowZero)
    {
        if (value is null)
        {
            return null;
        }

        TimeSpan? parsed = null;
        var text = value.Trim().ToLowerInvariant();
        var unit = text.Length > 0 ? text[^1] : ' ';
        var number = char.IsLetter(unit) ? text[..^1] : text;
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0 && double.IsFinite(amount))
        {
            parsed = unit switch
            {
                's' or >= '0' and <= '9' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
        }
        else if (text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            parsed = span;
        }

        if (parsed is null || (!allowZero && parsed == TimeSpan.Zero))
        {
            throw new NeonConfigurationException(setting,
                $"{setting} is '{value}', which is not a duration{(allowZero ? "" : " above zero")}. Use seconds ('600'), a suffix ('90s', '10m', '2h', '1d') or 'hh:mm:ss'.");
        }

        return parsed;
    }

    private static Uri? ParseUri(string setting, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }

        throw new NeonConfigurationException(setting, $"{setting} is '{value}', which is not an http(s) address. Clear it to use the Neon API.");
    }

    private static string? ParseIdentifier(string setting, string? value)
    {
        if (value is null)
        {
            return null;
        }

        // PostgreSQL truncates identifiers at 63 bytes; a longer name would silently mean another one.
        if (value.Length > 63 || value.Any(char.IsControl))
        {
            throw new NeonConfigurationException(setting, $"{setting} is '{value}', which is not a PostgreSQL name (at most 63 characters, no control characters).");
        }

        return value;
    }

    private static string? ParseEnvVarName(string setting, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(value[0]))
        {
            return value;
        }

        throw new NeonConfigurationException(setting, $"{setting} is '{value}'. Use letters, digits and underscores only, not starting with a digit (e.g. 'DATABASE_URL').");
    }
}
