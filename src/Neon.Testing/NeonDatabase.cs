using Neon.Testing.Engine;
using Neon.Testing.Hosting;
using Npgsql;

namespace Neon.Testing;

/// <summary>
/// The current test's database. Most tests just read <c>DATABASE_URL</c>; tests that run concurrently
/// with other isolated tests, or that pick another level by attribute, read their connection here.
/// </summary>
public static class NeonDatabase
{
    /// <summary>Npgsql connection string of the calling test's database (its level's branch, ready and clean).</summary>
    /// <exception cref="InvalidOperationException">No Neon test session runs in this process, or the caller's test cannot be told apart.</exception>
    public static string ConnectionString
    {
        get
        {
            var run = NeonTestRun.Current;
            if (run is null)
            {
                return Environment.GetEnvironmentVariable("DATABASE_URL") is { Length: > 0 } fromEnvironment
                    ? fromEnvironment
                    : throw new InvalidOperationException(NoSession);
            }

            if (run.ResolveScope() is { } scope)
            {
                if (scope.PreparationError is { } error)
                {
                    throw new InvalidOperationException(error);
                }

                scope.AskedForConnection = true;
                return scope.ConnectionString;
            }

            return run.DefaultConnectionString;
        }
    }

    /// <summary>Isolation level of the calling test.</summary>
    public static TestIsolation Level =>
        NeonTestRun.Current is { } run ? run.ResolveScope()?.Level ?? run.DefaultLevel : throw new InvalidOperationException(NoSession);

    /// <summary>
    /// The open connection of a <see cref="TestIsolation.Transaction"/> test, inside an outer transaction
    /// that is rolled back after the test (its commits become savepoints).
    /// </summary>
    /// <exception cref="InvalidOperationException">The calling test does not run at the Transaction level.</exception>
    public static NpgsqlConnection Connection
    {
        get
        {
            var scope = (NeonTestRun.Current ?? throw new InvalidOperationException(NoSession)).ResolveScope();
            if (scope?.Connection is { } connection)
            {
                scope.AskedForConnection = true;
                return connection;
            }

            throw new InvalidOperationException(
                $"NeonDatabase.Connection exists for tests at the Transaction level; this one runs at {scope?.Level.ToString() ?? "no"} level. Mark it [Transaction], or open a connection from NeonDatabase.ConnectionString.");
        }
    }

    private const string NoSession =
        "No Neon test session runs in this process. Add the Neon.Testing.Sdk to the test project (it registers the Microsoft.Testing.Platform extension, or the NUnit/xUnit adapter), and check that NeonEnabled is not false.";
}
