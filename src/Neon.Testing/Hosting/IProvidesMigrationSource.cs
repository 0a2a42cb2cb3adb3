using System.Reflection;
using Microsoft.Extensions.Logging;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Migrations;

namespace Neon.Testing.Hosting;

/// <summary>
/// Marks an assembly attribute of the test assembly that supplies the session's migration source (the SDK generates
/// Neon.Testing.EntityFrameworkCore's when the project uses EF Core): <see cref="NeonTestRun.StartOrJoinAsync"/> asks it
/// before starting the session, whichever host starts it.
/// </summary>
public interface IProvidesMigrationSource
{
    /// <summary>The source for this run, or <see langword="null"/> when it has nothing to apply (e.g. <c>NeonMigrations</c> is set instead).</summary>
    /// <param name="options">The run's settings.</param>
    /// <param name="testAssembly">The test assembly, whose references are searched.</param>
    /// <param name="logger">Where to say what was chosen.</param>
    MigrationSource? CreateMigrationSource(NeonTestingOptions options, Assembly testAssembly, ILogger logger);
}
