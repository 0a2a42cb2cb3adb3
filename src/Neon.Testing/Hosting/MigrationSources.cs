using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Migrations;

namespace Neon.Testing.Hosting;

/// <summary>Finds the migration source the test assembly declares through an <see cref="IProvidesMigrationSource"/> attribute.</summary>
internal static class MigrationSources
{
    public static MigrationSource? Find(NeonTestingOptions options, Assembly? testAssembly, ILogger? logger)
    {
        var providers = testAssembly?.GetCustomAttributes().OfType<IProvidesMigrationSource>().ToList() ?? [];
        foreach (var provider in providers)
        {
            if (provider.CreateMigrationSource(options, testAssembly!, logger ?? NullLogger.Instance) is { } source)
            {
                return source;
            }
        }

        if (providers.Count == 0 && !string.IsNullOrEmpty(options.DbContext))
        {
            throw new NeonConfigurationException(NeonSettings.DbContext,
                $"NeonDbContext is '{options.DbContext}', but the test assembly{(testAssembly is null ? "" : $" ({testAssembly.GetName().Name})")} does not use Neon.Testing.EntityFrameworkCore, which applies EF Core migrations. " +
                "Use Neon.Testing.Sdk as an SDK (<Sdk Name=\"Neon.Testing.Sdk\" />), which adds it, or add <PackageReference Include=\"Neon.Testing.EntityFrameworkCore\" /> at the SDK's version; or clear NeonDbContext.");
        }

        return null;
    }
}
