using System.Reflection;

namespace Neon.Testing.Platform;

/// <summary>
/// Tells which MSTest test the calling code belongs to, through MSTest's <c>TestContext.Current</c>
/// (read by reflection: the extension does not depend on MSTest).
/// </summary>
internal static class MSTestCurrentTest
{
    private static readonly Lazy<Func<string?>?> Reader = new(CreateReader);

    /// <summary>The <c>Namespace.Class.Method</c> key of the running test, or <see langword="null"/>.</summary>
    public static string? Key() => Reader.Value?.Invoke();

    private static Func<string?>? CreateReader()
    {
        var type = Type.GetType("Microsoft.VisualStudio.TestTools.UnitTesting.TestContext, MSTest.TestFramework.Extensions", throwOnError: false);
        var current = type?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static);
        var className = type?.GetProperty("FullyQualifiedTestClassName");
        var testName = type?.GetProperty("TestName");
        if (current is null || className is null || testName is null)
        {
            return null;
        }

        return () => current.GetValue(null) is { } context && className.GetValue(context) is string cls && testName.GetValue(context) is string method
            ? $"{cls}.{method}"
            : null;
    }
}
