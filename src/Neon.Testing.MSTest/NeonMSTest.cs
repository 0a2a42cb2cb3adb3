using System.Reflection;
using Neon.Testing.Hosting;

namespace Neon.Testing.MSTest;

/// <summary>
/// What the SDK's generated <c>[GlobalTestInitialize]</c> and <c>[GlobalTestCleanup]</c> methods call: the test's
/// database, ready and clean before it, restored after it. The session starts at the first test and ends with
/// the process (or with the Microsoft.Testing.Platform extension that started it).
/// </summary>
public static class NeonMSTest
{
    // Set in the synchronous global initialize, MSTest flows it into the test method and its cleanup:
    // NeonDatabase then knows which of several parallel tests is asking.
    private static readonly AsyncLocal<TestScope?> Current = new();

    /// <summary>Prepares the test's database. Call from a synchronous <c>[GlobalTestInitialize]</c> method; fail the test with the returned message, if any.</summary>
    /// <param name="testClassName">The test's <c>TestContext.FullyQualifiedTestClassName</c>.</param>
    /// <param name="testName">The test's <c>TestContext.TestName</c> (its method).</param>
    /// <param name="testAssembly">The test assembly (its isolation attribute sets the default level).</param>
    /// <returns>Why the test has no database, or <see langword="null"/>.</returns>
    /// <remarks>Takes strings, not MSTest's <c>TestContext</c>: that type moved between assemblies in MSTest 4, and the generated caller compiles against the project's own MSTest.</remarks>
    public static string? BeforeTest(string? testClassName, string? testName, Assembly testAssembly)
    {
        ArgumentNullException.ThrowIfNull(testAssembly);
        Current.Value = null;
        var run = ProcessTestRun.GetOrStart("MSTest", testAssembly, static () => Current.Value?.Test.Key);
        if (run is null)
        {
            return null;
        }

        var className = testClassName ?? "";
        var testClass = testAssembly.GetType(className);
        var method = testClass?.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).FirstOrDefault(m => m.Name == testName);
        var displayName = $"{className}.{testName}";
        var identity = new TestIdentity($"{displayName}#{Guid.NewGuid():N}", displayName, className);

        // MSTest calls global hooks on its worker, outside any synchronization context: blocking is safe.
        var scope = run.BeginTestAsync(identity, run.LevelOf(method, testClass)).GetAwaiter().GetResult();
        Current.Value = scope;
        return scope.PreparationError;
    }

    /// <summary>Restores the test's database and frees it. Call from a <c>[GlobalTestCleanup]</c> method; fail the test with the returned message, if any.</summary>
    /// <param name="failed">The test failed (<c>TestContext.CurrentTestOutcome</c>): its database is kept to look at (<c>NeonKeepFailedBranches</c>).</param>
    /// <returns>Why the test is failed after the fact (it used another running test's branch), or <see langword="null"/>.</returns>
    public static string? AfterTest(bool failed)
    {
        if (Current.Value is not { } scope || NeonTestRun.Current is not { } run)
        {
            return null;
        }

        Current.Value = null;
        var outcome = run.EndTestAsync(scope, failed).GetAwaiter().GetResult();
        ProcessTestRun.TestEnded();
        return scope.PreparationError is null ? outcome.Failure : null;
    }
}
