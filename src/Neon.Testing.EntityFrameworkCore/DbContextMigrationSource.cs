using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Migrations;

namespace Neon.Testing.EntityFrameworkCore;

/// <summary>
/// An EF Core context as a migration source: its migrations applied with <c>MigrateAsync</c>, or, when it has none,
/// the tables of its model created. The fingerprint is what would be applied (the migration ids and their idempotent
/// script, or the model's create script) with the EF Core, provider and Neon.Testing versions, so a session with the
/// same fingerprint reuses the migrated template and never opens a connection through EF. Computing it builds the model,
/// so it is remembered per build (<see cref="BuildIdentity"/>): a later process of the same build never loads EF Core to
/// start. A model with changes no migration covers fails the session, naming the <c>dotnet ef migrations add</c> to run.
/// </summary>
public sealed class DbContextMigrationSource : MigrationSource
{
    // The fingerprint needs a context but no database: nothing connects to this address.
    private const string OfflineConnectionString = "Host=neon-testing.invalid;Database=fingerprint";

    // Names what the digest is of; a new prefix retires every template cached under the old form.
    private const string FingerprintPrefix = "ef-model-sha256:";

    private readonly DbContextActivator _activator;

    /// <summary>A source for <paramref name="contextType"/>, built with <paramref name="options"/>' <c>NeonEnvVar</c> and <c>NeonConnectionStringName</c> for its design-time factory.</summary>
    public DbContextMigrationSource(Type contextType, NeonTestingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(contextType);
        if (!typeof(DbContext).IsAssignableFrom(contextType) || contextType.IsAbstract)
        {
            throw new ArgumentException($"{contextType.FullName} is not a concrete DbContext.", nameof(contextType));
        }

        ContextType = contextType;
        _activator = new DbContextActivator(contextType, options ?? new NeonTestingOptions());
    }

    /// <summary>Where fingerprints are remembered per build; tests give each their own.</summary>
    internal ModelFingerprintMemo Memo { get; init; } = ModelFingerprintMemo.Default;

    /// <summary>The context whose migrations are applied.</summary>
    public Type ContextType { get; }

    /// <inheritdoc />
    public override string Name => $"EF Core context {ContextType.Name}";

    /// <inheritdoc />
    public override ValueTask<string?> ComputeFingerprintAsync(CancellationToken cancellationToken = default)
    {
        // Building the model and scripting the migrations costs over a second in a fresh process: a build seen before
        // (same assemblies, byte for byte) reuses the digest it produced then, and EF Core is not even loaded.
        var identity = BuildIdentity.Of(ContextType, _activator.Construction);
        if (identity is not null && Memo.TryRead(identity) is { } remembered)
        {
            return ValueTask.FromResult<string?>(FingerprintPrefix + remembered);
        }

        var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ComputeModelFingerprint()))).ToLowerInvariant();
        if (identity is not null)
        {
            Memo.Write(identity, digest);
        }

        return ValueTask.FromResult<string?>(FingerprintPrefix + digest);
    }

    /// <summary>What would be applied, from the built model: fails when the model has changes no migration covers.</summary>
    internal string ComputeModelFingerprint()
    {
        using var context = _activator.Create(OfflineConnectionString);
        FailOnPendingModelChanges(context);
        var migrations = context.Database.GetMigrations().ToList();
        return new StringBuilder()
            .AppendLine(ContextType.AssemblyQualifiedName)
            .AppendLine(_activator.Construction)
            .AppendLine(VersionOf(typeof(DbContext).Assembly))
            .AppendLine(context.Database.ProviderName)
            .AppendLine(ProviderVersion(context))
            .AppendLine(VersionOf(typeof(DbContextMigrationSource).Assembly))
            .AppendLine(string.Join(",", migrations))
            .Append(migrations.Count > 0
                ? context.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent)
                : context.Database.GenerateCreateScript())
            .ToString();
    }

    /// <inheritdoc />
    public override async Task<int> ApplyAsync(string connectionString, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logger);
        await using var context = _activator.Create(connectionString);
        FailOnPendingModelChanges(context);
        if (!context.Database.GetMigrations().Any())
        {
            // EnsureCreated would skip a database that already has tables (a non-empty parent): create the model's tables regardless.
            await context.GetService<IRelationalDatabaseCreator>().CreateTablesAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation("{Context} has no migrations: created its model's tables (built with {Construction}).", ContextType.Name, _activator.Construction);
            return 1;
        }

        var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).Count();
        await context.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Applied {Count} EF Core migrations of {Context} (built with {Construction}).", pending, ContextType.Name, _activator.Construction);
        return pending;
    }

    private void FailOnPendingModelChanges(DbContext context)
    {
        if (context.Database.GetMigrations().Any() && context.Database.HasPendingModelChanges())
        {
            var project = ContextType.Assembly.GetName().Name;
            throw new MigrationFailedException(Name,
                $"The model of {ContextType.FullName} has changes that no migration covers, so its migrations would not build the schema the code expects. " +
                $"Add a migration in the project of {project}: dotnet ef migrations add <Name> --context {ContextType.Name} (then run the tests again).");
        }
    }

    private static string ProviderVersion(DbContext context) =>
        AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == context.Database.ProviderName) is { } provider ? VersionOf(provider) : "";

    /// <summary>
    /// The version without its build metadata: SourceLink appends the commit (<c>0.1.0+cf001b5...</c>), and with it
    /// every commit of a checkout (a fresh clone of another revision) rebuilt an identical template.
    /// </summary>
    internal static string VersionOf(Assembly assembly)
    {
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "";
        var metadata = version.IndexOf('+', StringComparison.Ordinal);
        return metadata < 0 ? version : version[..metadata];
    }
}
