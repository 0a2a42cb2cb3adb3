using System.Collections.Concurrent;
using System.Reflection;
using Neon.Testing.Engine;

namespace Neon.Testing.Hosting;

/// <summary>Finds a test's level from <see cref="IsolationAttribute"/>s: method, then class (and its outer classes), then assembly.</summary>
internal static class IsolationResolver
{
    private static readonly ConcurrentDictionary<MemberInfo, TestIsolation?> Cache = new();

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

    public static TestIsolation? ForAssembly(Assembly? assembly) =>
        assembly?.GetCustomAttribute<IsolationAttribute>()?.Level;

    private static TestIsolation? FromMember(MemberInfo member) =>
        Cache.GetOrAdd(member, static m => m.GetCustomAttribute<IsolationAttribute>(inherit: true)?.Level);
}
