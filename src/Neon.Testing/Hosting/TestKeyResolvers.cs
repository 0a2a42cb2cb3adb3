using System.Reflection;

namespace Neon.Testing.Hosting;

/// <summary>The hosts' ways of telling which test the calling code belongs to (MSTest's <c>TestContext.Current</c>, NUnit's and xUnit's current test ids).</summary>
internal static class TestKeyResolvers
{
    private static readonly List<Func<string?>> Resolvers = [];

    public static void Register(Func<string?> resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        lock (Resolvers)
        {
            Resolvers.Add(resolver);
        }
    }

    /// <summary>What every resolver says now (<see langword="null"/> where it cannot tell).</summary>
    public static string?[] CurrentKeys()
    {
        lock (Resolvers)
        {
            return [.. Resolvers.Select(Resolve)];
        }

        static string? Resolve(Func<string?> resolver)
        {
            try
            {
                return resolver();
            }
            catch (Exception e) when (e is InvalidOperationException or TargetInvocationException or NullReferenceException)
            {
                return null;
            }
        }
    }
}
