using System.Reflection;
using Microsoft.VisualStudio.TestTools.UnitTesting;
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

    /// <summary>Prepares the test's database. Call from a synchronous <c>[GlobalTestInitialize]</c> method.</summary>
    /// <param name="context">The test's context.</param>
    /// <param name="testAssembly">The test assembly (its isolation attribute sets the default level).</param>
    public static void BeforeTest(TestContext context, Assembly testAssembly)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(testAssembly);
        Current.Value = null;
        NeonTestRun? run;
        try
        {
            run = ProcessTestRun.GetOrStart("MSTest", testAssembly, static () => Current.Value?.Test.Key);
        }
        catch (InvalidOperationException e)
        {
            Assert.Fail(e.Message);
            return;
        }

        if (run is null)
        {
            return;
        }

        var className = context.FullyQualifiedTestClassName ?? "";
        var testClass = testAssembly.GetType(className);
        var method = testClass?.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).FirstOrDefault(m => m.Name == context.TestName);
        var displayName = $"{className}.{context.TestName}";
        var identity = new TestIdentity($"{displayName}#{Guid.NewGuid():N}", displayName, className);

        // MSTest calls global hooks on its worker, outside any synchronization context: blocking is safe.
        var scope = run.BeginTestAsync(identity, run.LevelOf(method, testClass)).GetAwaiter().GetResult();
        Current.Value = scope;
        if (scope.PreparationError is { } error)
        {
            Assert.Fail(error);
        }
    }

    /// <summary>Restores the test's database and frees it. Call from a <c>[GlobalTestCleanup]</c> method.</summary>
    /// <param name="context">The test's context.</param>
    public static void AfterTest(TestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Current.Value is not { } scope || NeonTestRun.Current is not { } run)
        {
            return;
        }

        Current.Value = null;
        var outcome = run.EndTestAsync(scope).GetAwaiter().GetResult();
        if (outcome.Failure is { } failure && scope.PreparationError is null)
        {
            Assert.Fail(failure);
        }
    }
}
