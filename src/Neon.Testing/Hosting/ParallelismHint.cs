using System.Reflection;

namespace Neon.Testing.Hosting;

/// <summary>
/// How many tests the test assembly's framework runs at once, read from its assembly-level settings without
/// referencing the framework: MSTest's <c>[Parallelize]</c>, NUnit's <c>[Parallelizable]</c> and
/// <c>[LevelOfParallelism]</c>, xUnit's parallel collections (on unless <c>[CollectionBehavior]</c> turns them off),
/// and never more than the units that run side by side (test classes, or test methods at method scope).
/// Settings made elsewhere (a .runsettings or testconfig.json file, the command line) are not seen: the session
/// then makes branches as tests ask for them, as it does for a suite that runs one test at a time.
/// </summary>
internal static class ParallelismHint
{
    private static readonly string[] TestAttributes =
    [
        "Microsoft.VisualStudio.TestTools.UnitTesting.TestMethodAttribute",
        "NUnit.Framework.TestAttribute",
        "NUnit.Framework.TestCaseAttribute",
        "NUnit.Framework.TestCaseSourceAttribute",
        "NUnit.Framework.TheoryAttribute",
        "Xunit.FactAttribute",
    ];

    /// <summary>Tests run at once, 1 when the assembly runs them one at a time, says nothing, or cannot be read.</summary>
    public static int Of(Assembly? testAssembly)
    {
        try
        {
            return testAssembly is null ? 1 : Read(testAssembly);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A hint only: the session makes branches on demand without it.
            return 1;
        }
    }

    private static int Read(Assembly testAssembly)
    {
        var attributes = testAssembly.GetCustomAttributesData();
        if (Find(attributes, "Microsoft.VisualStudio.TestTools.UnitTesting.ParallelizeAttribute") is { } mstest)
        {
            // Workers = 0 (the default) means one per processor; the default scope runs classes side by side.
            return Math.Min(Workers(Named(mstest, "Workers")), Units(testAssembly, methods: NamedEnum(mstest, "Scope") == "MethodLevel"));
        }

        if (Find(attributes, "NUnit.Framework.ParallelizableAttribute") is { } nunit)
        {
            // At assembly level only a scope over the fixtures or their children runs tests at once (Self, the default, does not).
            var scope = nunit.ConstructorArguments is [{ ArgumentType.IsEnum: true } argument]
                ? Enum.ToObject(argument.ArgumentType, argument.Value!).ToString() ?? ""
                : "Self";
            var children = scope.Contains("Children", StringComparison.Ordinal) || scope.Contains("All", StringComparison.Ordinal);
            if (!children && !scope.Contains("Fixtures", StringComparison.Ordinal))
            {
                return 1;
            }

            var level = Find(attributes, "NUnit.Framework.LevelOfParallelismAttribute") is { ConstructorArguments: [{ Value: int l }] } ? l : 0;
            return Math.Min(level > 0 ? level : Math.Max(Environment.ProcessorCount, 2), Units(testAssembly, children));
        }

        if (testAssembly.GetReferencedAssemblies().Any(a => a.Name is "xunit.core" or "xunit.v3.core"))
        {
            var behavior = Find(attributes, "Xunit.CollectionBehaviorAttribute");
            if (behavior is not null && Named(behavior, "DisableTestParallelization") is true)
            {
                return 1;
            }

            // One collection per class unless told otherwise: classes run side by side.
            return Math.Min(Workers(behavior is null ? null : Named(behavior, "MaxParallelThreads")), Units(testAssembly, methods: false));
        }

        return 1;
    }

    private static int Workers(object? configured) => configured is int workers && workers > 0 ? workers : Environment.ProcessorCount;

    /// <summary>Test classes, or test methods when <paramref name="methods"/>: what the framework runs side by side.</summary>
    private static int Units(Assembly testAssembly, bool methods)
    {
        var units = 0;
        foreach (var type in LoadableTypes(testAssembly))
        {
            if (type is null || !type.IsClass)
            {
                continue;
            }

            var tests = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Count(method => method.GetCustomAttributesData().Any(a => IsTestAttribute(a.AttributeType)));
            units += methods ? tests : Math.Min(tests, 1);
        }

        return units;
    }

    /// <summary>The assembly's types, or those that load when some do not (a dependency missing at run time); null entries for the rest.</summary>
    internal static Type?[] LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types;
        }
    }

    private static bool IsTestAttribute(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (TestAttributes.Contains(type.FullName))
            {
                return true;
            }
        }

        return false;
    }

    private static CustomAttributeData? Find(IList<CustomAttributeData> attributes, string fullName) =>
        attributes.FirstOrDefault(a => a.AttributeType.FullName == fullName);

    private static object? Named(CustomAttributeData attribute, string name)
    {
        // Looked up by hand: a missing argument must not become a default CustomAttributeNamedArgument, whose name throws.
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.MemberName == name)
            {
                return argument.TypedValue.Value;
            }
        }

        return null;
    }

    private static string? NamedEnum(CustomAttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.MemberName == name && argument.TypedValue is { ArgumentType.IsEnum: true, Value: { } value } typed)
            {
                return Enum.ToObject(typed.ArgumentType, value).ToString();
            }
        }

        return null;
    }
}
