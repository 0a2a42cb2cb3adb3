using System.Reflection;
using Microsoft.Extensions.Logging;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Migrations;
using Neon.Testing.Hosting;

namespace Neon.Testing.EntityFrameworkCore;

/// <summary>
/// Makes the test assembly's EF Core <c>DbContext</c> the session's migration source. The SDK adds
/// <c>[assembly: NeonEntityFrameworkCore]</c> when the project uses EF Core; the context is the one named by
/// <c>NeonDbContext</c>, else the only one among the test assembly and the assemblies it references.
/// <c>NeonMigrations</c> or <c>NeonMigrationCommand</c>, when set (and <c>NeonDbContext</c> is not), win.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class NeonEntityFrameworkCoreAttribute : Attribute, IProvidesMigrationSource
{
    /// <inheritdoc />
    public MigrationSource? CreateMigrationSource(NeonTestingOptions options, Assembly testAssembly, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(testAssembly);
        ArgumentNullException.ThrowIfNull(logger);
        if (string.IsNullOrEmpty(options.DbContext) && (!string.IsNullOrEmpty(options.Migrations) || !string.IsNullOrEmpty(options.MigrationCommand)))
        {
            // An explicit .sql folder or command is the user's choice; both explicit is an error NeonTestingOptions reports.
            logger.LogInformation("NeonMigrations or NeonMigrationCommand is set: no EF Core context is applied.");
            return null;
        }

        var contextType = DbContextDiscovery.Resolve(options.DbContext, testAssembly);
        if (contextType is null)
        {
            logger.LogInformation("No EF Core DbContext in {Assembly} or the assemblies it references: no migrations are applied.", testAssembly.GetName().Name);
            return null;
        }

        return new DbContextMigrationSource(contextType, options);
    }
}
