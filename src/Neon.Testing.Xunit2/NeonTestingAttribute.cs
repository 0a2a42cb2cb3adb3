using System.Reflection;
using Neon.Testing.Hosting;
using Xunit.Sdk;

namespace Neon.Testing.Xunit2;

/// <summary>
/// Brackets every xUnit v2 test with its database: ready and clean before the test, restored after it.
/// The SDK adds <c>[assembly: NeonTesting]</c>. The session starts at the first test and ends with the process.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class NeonTestingAttribute : BeforeAfterTestAttribute, IBracketsTests
{
    // Set in Before (a synchronous call in the test's own flow), xUnit's test invocation sees it:
    // NeonDatabase then knows which of several parallel tests is asking.
    private static readonly AsyncLocal<TestScope?> Current = new();

    /// <inheritdoc />
    public override void Before(MethodInfo methodUnderTest)
    {
        ArgumentNullException.ThrowIfNull(methodUnderTest);
        Current.Value = null;
        var testClass = methodUnderTest.ReflectedType ?? methodUnderTest.DeclaringType;
        var run = ProcessTestRun.GetOrStart("xUnit v2", testClass?.Assembly ?? methodUnderTest.Module.Assembly, static () => Current.Value?.Test.Key);
        if (run is null)
        {
            return;
        }

        var className = testClass?.FullName ?? "";
        var displayName = $"{className}.{methodUnderTest.Name}";
        var identity = new TestIdentity($"{displayName}#{Guid.NewGuid():N}", displayName, className);

        // xUnit calls Before/After synchronously on its worker, outside any synchronization context.
        var scope = run.BeginTestAsync(identity, run.LevelOf(methodUnderTest, testClass)).GetAwaiter().GetResult();
        Current.Value = scope;
        if (scope.PreparationError is { } error)
        {
            throw new InvalidOperationException(error);
        }
    }

    /// <inheritdoc />
    public override void After(MethodInfo methodUnderTest)
    {
        if (Current.Value is not { } scope || NeonTestRun.Current is not { } run)
        {
            return;
        }

        Current.Value = null;
        var outcome = run.EndTestAsync(scope).GetAwaiter().GetResult();
        ProcessTestRun.TestEnded();
        if (outcome.Failure is { } failure && scope.PreparationError is null)
        {
            throw new InvalidOperationException(failure);
        }
    }
}
