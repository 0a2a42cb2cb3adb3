using Neon.Testing.Engine;

namespace Neon.Testing.Hosting;

/// <summary>Publishes the default database to the whole process: <c>NeonEnvVar</c> and <c>ConnectionStrings__&lt;Name&gt;</c>.</summary>
internal static class RunEnvironment
{
    public static void Publish(NeonTestingOptions options, string connectionString)
    {
        Environment.SetEnvironmentVariable(options.EnvVar, connectionString);
        if (!string.IsNullOrEmpty(options.ConnectionStringName))
        {
            Environment.SetEnvironmentVariable($"ConnectionStrings__{options.ConnectionStringName}", connectionString);
        }
    }
}
