using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.EntityFrameworkCore;

/// <summary>
/// Finds the <see cref="DbContext"/> types a test assembly can reach: its own, those of the assemblies it references
/// (the app under test), and those of theirs that sit beside it (the app's data library). Framework and package
/// assemblies (<c>Microsoft.*</c>, <c>System.*</c>, <c>Npgsql*</c>) are not searched: Identity's contexts are bases, not the app's.
/// </summary>
internal static class DbContextDiscovery
{
    private static readonly string[] SkippedPrefixes = ["System.", "Microsoft.", "Npgsql", "netstandard", "mscorlib", "Neon.Testing", "NUnit", "nunit", "xunit", "MSTest"];

    /// <summary>Every concrete context type reachable from <paramref name="testAssembly"/>, in a stable order.</summary>
    public static IReadOnlyList<Type> FindContexts(Assembly testAssembly)
    {
        var directory = Path.GetDirectoryName(testAssembly.Location);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { testAssembly.GetName().Name ?? "" };
        var queue = new Queue<Assembly>([testAssembly]);
        var found = new List<Type>();
        while (queue.TryDequeue(out var assembly))
        {
            found.AddRange(ContextsIn(assembly));
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is not { } name || !seen.Add(name) || SkippedPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                {
                    continue;
                }

                // Only assemblies deployed with the tests (the app and its libraries), never the shared framework.
                if (Load(reference) is { } loaded && (directory is null || string.Equals(Path.GetDirectoryName(loaded.Location), directory, StringComparison.Ordinal)))
                {
                    queue.Enqueue(loaded);
                }
            }
        }

        return [.. found.Distinct().OrderBy(t => t.FullName, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The context named by <paramref name="name"/> (class or full name), else the only one found; <see langword="null"/>
    /// when none is found and none is named. Throws <see cref="NeonConfigurationException"/> when the name matches none
    /// or several, or when several exist and none is named.
    /// </summary>
    public static Type? Resolve(string? name, Assembly testAssembly) => Resolve(name, FindContexts(testAssembly), testAssembly.GetName().Name ?? "the test assembly");

    internal static Type? Resolve(string? name, IReadOnlyList<Type> candidates, string where)
    {
        string List() => candidates.Count == 0 ? "none" : string.Join(", ", candidates.Select(t => t.FullName));
        if (string.IsNullOrEmpty(name))
        {
            return candidates.Count switch
            {
                0 => null,
                1 => candidates[0],
                _ => throw new NeonConfigurationException(NeonSettings.DbContext,
                    $"{where} reaches {candidates.Count} EF Core contexts ({List()}), so Neon.Testing cannot tell whose migrations to apply. " +
                    $"Set NeonDbContext (property, NEON_DB_CONTEXT or --neon-db-context) to one of them, e.g. <NeonDbContext>{candidates[0].Name}</NeonDbContext>."),
            };
        }

        var matches = candidates.Where(t => string.Equals(t.FullName, name, StringComparison.Ordinal)).ToList();
        if (matches.Count == 0)
        {
            matches = [.. candidates.Where(t => string.Equals(t.Name, name, StringComparison.Ordinal))];
        }

        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new NeonConfigurationException(NeonSettings.DbContext,
                $"NeonDbContext is '{name}', but {where} reaches no EF Core context of that name (found: {List()}). Set it to one of them, by class or full name, or clear it."),
            _ => throw new NeonConfigurationException(NeonSettings.DbContext,
                $"NeonDbContext is '{name}', which names {matches.Count} EF Core contexts ({string.Join(", ", matches.Select(t => t.FullName))}). Use the full name."),
        };
    }

    private static IEnumerable<Type> ContextsIn(Assembly assembly)
    {
        Type?[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types;
        }

        return types.OfType<Type>().Where(t => t is { IsAbstract: false, IsGenericTypeDefinition: false } && typeof(DbContext).IsAssignableFrom(t));
    }

    private static Assembly? Load(AssemblyName name)
    {
        try
        {
            return Assembly.Load(name);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }
}
