using System.Collections.Concurrent;
using System.Reflection;
using Neon.Testing.Hosting;
using Xunit;
using Xunit.v3;

namespace Neon.Testing.Xunit;

/// <summary>
/// The one attribute the SDK adds (<c>[assembly: NeonTesting]</c>): it registers <see cref="NeonTestingFixture"/>
/// as an assembly fixture (the session) and brackets every test with its database, ready and clean
/// before the test and restored after it.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class NeonTestingAttribute : BeforeAfterTestAttribute, IAssemblyFixtureAttribute, IBracketsTests
{
    private static readonly ConcurrentDictionary<string, TestScope> Scopes = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Type AssemblyFixtureType => typeof(NeonTestingFixture);

    /// <inheritdoc />
    public override void Before(MethodInfo methodUnderTest, IXunitTest test)
    {
        ArgumentNullException.ThrowIfNull(methodUnderTest);
        ArgumentNullException.ThrowIfNull(test);
        if (NeonTestRun.Current is not { } run)
        {
            return;
        }

        // The class from the method itself: IXunitTestClass.Class changed type in xunit.v3 4 (MissingMethodException).
        var testClass = methodUnderTest.ReflectedType ?? methodUnderTest.DeclaringType;
        var level = run.LevelOf(methodUnderTest, testClass);
        var identity = new TestIdentity(test.UniqueID, test.TestDisplayName, testClass?.FullName ?? test.TestDisplayName);

        // xUnit calls Before/After synchronously on its worker, outside any synchronization context.
        var scope = run.BeginTestAsync(identity, level).GetAwaiter().GetResult();
        Scopes[test.UniqueID] = scope;
        if (scope.PreparationError is { } error)
        {
            throw new InvalidOperationException(error);
        }
    }

    /// <inheritdoc />
    public override void After(MethodInfo methodUnderTest, IXunitTest test)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (NeonTestRun.Current is { } run && Scopes.TryRemove(test.UniqueID, out var scope))
        {
            // xUnit records the test's result before it runs the After attributes.
            var failed = TestContext.Current.TestState?.Result == TestResult.Failed;
            var outcome = run.EndTestAsync(scope, failed).GetAwaiter().GetResult();
            if (outcome.Failure is { } failure && scope.PreparationError is null)
            {
                throw new InvalidOperationException(failure);
            }
        }
    }
}
