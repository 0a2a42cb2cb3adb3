using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Testing.Platform.Extensions.Messages;
using Neon.Testing.Engine;
using Neon.Testing.Hosting;

namespace Neon.Testing.Platform;

/// <summary>Turns a test node into the test's identity and isolation level (from its method's attributes).</summary>
internal static class TestNodeDescription
{
    private static readonly ConcurrentDictionary<string, MethodInfo?> Methods = new(StringComparer.Ordinal);

    public static (TestIdentity Identity, TestIsolation Level) Describe(TestNode node, TestIsolation fallback)
    {
        var id = node.Properties.SingleOrDefault<TestMethodIdentifierProperty>();
        if (id is null)
        {
            return (new TestIdentity(node.Uid.Value, node.DisplayName, node.Uid.Value), fallback);
        }

        var className = string.IsNullOrEmpty(id.Namespace) ? id.TypeName : $"{id.Namespace}.{id.TypeName}";
        var key = $"{className}.{id.MethodName}";
        var method = Methods.GetOrAdd($"{id.AssemblyFullName}|{key}|{id.ParameterTypeFullNames.Length}", _ => FindMethod(id, className));
        var level = IsolationResolver.Resolve(method, method?.DeclaringType, fallback);
        return (new TestIdentity(key, node.DisplayName, className), level);
    }

    private static MethodInfo? FindMethod(TestMethodIdentifierProperty id, string className)
    {
        // MSTest leaves AssemblyFullName empty: look in the entry assembly, then in everything loaded.
        var candidates = string.IsNullOrEmpty(id.AssemblyFullName)
            ? new[] { Assembly.GetEntryAssembly() }.Concat(AppDomain.CurrentDomain.GetAssemblies())
            : AppDomain.CurrentDomain.GetAssemblies().Where(a => a.FullName == id.AssemblyFullName).Append(TryLoad(id.AssemblyFullName));
        var type = candidates.OfType<Assembly>().Select(a => a.GetType(className, throwOnError: false)).FirstOrDefault(t => t is not null);
        return type?.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
            .Where(m => m.Name == id.MethodName)
            .OrderBy(m => m.GetParameters().Length == id.ParameterTypeFullNames.Length ? 0 : 1)
            .FirstOrDefault();
    }

    private static Assembly? TryLoad(string name)
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
