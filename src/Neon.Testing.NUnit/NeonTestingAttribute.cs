using System.Collections.Concurrent;
using Neon.Testing.Engine;
using Neon.Testing.Hosting;
using NUnit.Framework;
using NUnit.Framework.Interfaces;

namespace Neon.Testing.NUnit;

/// <summary>
/// Brackets every NUnit test with its database: ready and clean before the test, restored after it.
/// The SDK adds <c>[assembly: NeonTesting]</c>; around the assembly it starts the session (or joins
/// the one the Microsoft.Testing.Platform extension started) and ends it when it started it.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class NeonTestingAttribute : Attribute, ITestAction, IBracketsTests
{
    private static readonly ConcurrentDictionary<string, TestScope> Scopes = new(StringComparer.Ordinal);
    private static bool _ownsRun;

    /// <inheritdoc />
    public ActionTargets Targets => ActionTargets.Test | ActionTargets.Suite;

    /// <inheritdoc />
    public void BeforeTest(ITest test)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (test.IsSuite)
        {
            if (IsAssembly(test))
            {
                StartRun(test);
            }

            return;
        }

        // NUnit runs tests on its own worker threads, without a synchronization context: blocking is safe here.
        var run = NeonTestRun.Current ?? StartRun(test);
        if (run is null)
        {
            return;
        }

        var level = run.LevelOf(test.Method?.MethodInfo, test.TypeInfo?.Type);
        var scope = run.BeginTestAsync(new TestIdentity(test.Id, test.FullName, test.ClassName ?? test.FullName), level).GetAwaiter().GetResult();
        Scopes[test.Id] = scope;
        if (scope.PreparationError is { } error)
        {
            Assert.Fail(error);
        }
    }

    /// <inheritdoc />
    public void AfterTest(ITest test)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (test.IsSuite)
        {
            if (IsAssembly(test))
            {
                EndRun();
            }

            return;
        }

        if (NeonTestRun.Current is { } run && Scopes.TryRemove(test.Id, out var scope))
        {
            var failed = TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed;
            var outcome = run.EndTestAsync(scope, failed).GetAwaiter().GetResult();
            if (outcome.Failure is { } failure && scope.PreparationError is null)
            {
                Assert.Fail(failure);
            }
        }
    }

    private static bool IsAssembly(ITest test) => test.TestType == "Assembly";

    private static NeonTestRun? StartRun(ITest test)
    {
        NeonTestingOptions options;
        try
        {
            options = NeonTestRun.LoadOptions();
        }
        catch (NeonConfigurationException e)
        {
            SessionStartFailure.StopProcess(SessionStartFailure.Describe(e));
            throw; // not reached
        }

        if (!options.Enabled)
        {
            return null;
        }

        NeonTestRun.RegisterTestKeyResolver(static () => TestContext.CurrentContext.Test.ID);
        var assembly = AssemblyOf(test);
        try
        {
            var (run, created) = NeonTestRun.StartOrJoinAsync(() => options, "NUnit", assembly).GetAwaiter().GetResult();
            _ownsRun |= created;
            return run;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // NUnit would fail every test with it ("OneTimeSetUp: ..."): stop before any test instead.
            SessionStartFailure.StopProcess(SessionStartFailure.Describe(e));
            throw; // not reached: the process has ended
        }
    }

    /// <summary>The test assembly: the assembly suite itself has no type, so it is found through its first fixture.</summary>
    private static System.Reflection.Assembly? AssemblyOf(ITest test) =>
        test.TypeInfo?.Assembly ?? test.Fixture?.GetType().Assembly ?? test.Tests.Select(AssemblyOf).FirstOrDefault(a => a is not null);

    private static void EndRun()
    {
        if (!_ownsRun || NeonTestRun.Current is not { } run)
        {
            // Started by the Microsoft.Testing.Platform extension, which ends it and prints the summary.
            return;
        }

        _ownsRun = false;
        run.DisposeAsync().AsTask().GetAwaiter().GetResult();
        TestContext.Progress.WriteLine(run.WriteSummary(ResultsDirectory.FromCommandLine()));
    }
}
