using System.Reflection;
using Neon.Testing.Engine;

namespace Neon.Testing.Hosting;

/// <summary>
/// The isolation levels a test assembly's <see cref="IsolationAttribute"/>s name, on the assembly, its classes and their
/// methods: what the session can make ahead of the tests that need it. A level chosen elsewhere (a setting, a hook's
/// own choice) is not seen; its first test makes its database, as without the hint.
/// </summary>
internal static class LevelsInUse
{
    /// <summary>The levels named in <paramref name="testAssembly"/>; empty when it names none or cannot be read.</summary>
    public static IReadOnlyCollection<TestIsolation> Of(Assembly? testAssembly)
    {
        var levels = new HashSet<TestIsolation>();
        if (testAssembly is null)
        {
            return levels;
        }

        try
        {
            Add(levels, testAssembly.GetCustomAttribute<IsolationAttribute>());
            foreach (var type in ParallelismHint.LoadableTypes(testAssembly))
            {
                if (type is null || !type.IsClass)
                {
                    continue;
                }

                Add(levels, type.GetCustomAttribute<IsolationAttribute>(inherit: true));
                foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    Add(levels, method.GetCustomAttribute<IsolationAttribute>(inherit: true));
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A hint only: what is found so far is made ahead, the rest when a test asks for it.
            _ = e;
        }

        return levels;
    }

    private static void Add(HashSet<TestIsolation> levels, IsolationAttribute? attribute)
    {
        if (attribute is not null)
        {
            levels.Add(attribute.Level);
        }
    }
}
