using System.Collections.Concurrent;
using System.Reflection;
using Neon.Testing.Engine;

namespace Neon.Testing.Hosting;

/// <summary>Finds a test's level from <see cref="IsolationAttribute"/>s: method, then class (and its outer classes), then assembly.</summary>
public static class IsolationResolver
{
    private static readonly ConcurrentDictionary<MemberInfo, TestIsolation?> Cache = new();

    /// <summary>The level of a test: <paramref name="method"/>'s attribute, else its class's (or an outer class's), else its assembly's, else <paramref name="fallback"/>.</summary>
    public static TestIsolation Resolve(MethodInfo? method, Type? testClass, TestIsolation fallback)
    {
        if (method is not null && FromMember(method) is { } fromMethod)
        {
            return fromMethod;
        }

        for (var type = testClass ?? method?.DeclaringType; type is not null; type = type.DeclaringType)
        {
            if (FromMember(type) is { } fromClass)
            {
                return fromClass;
            }
        }

        return ForAssembly((testClass ?? method?.DeclaringType)?.Assembly) ?? fallback;
    }

    /// <summary>The level the assembly's attribute names, if any.</summary>
    public static TestIsolation? ForAssembly(Assembly? assembly) =>
        assembly?.GetCustomAttribute<IsolationAttribute>()?.Level;

    private static TestIsolation? FromMember(MemberInfo member) =>
        Cache.GetOrAdd(member, static m => m.GetCustomAttribute<IsolationAttribute>(inherit: true)?.Level);
}
