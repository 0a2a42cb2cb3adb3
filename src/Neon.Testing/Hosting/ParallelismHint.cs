using System.Reflection;

namespace Neon.Testing.Hosting;

/// <summary>
/// How many tests the test assembly's framework runs at once, read from its assembly-level settings without
/// referencing the framework: MSTest's <c>[Parallelize]</c>, NUnit's <c>[Parallelizable]</c> and
/// <c>[LevelOfParallelism]</c>, xUnit's parallel collections (on unless <c>[CollectionBehavior]</c> turns them off).
/// Settings made elsewhere (a .runsettings or testconfig.json file, the command line) are not seen: the session
/// then makes branches as tests ask for them, as it does for a suite that runs one test at a time.
/// </summary>
internal static class ParallelismHint
{
    /// <summary>Tests run at once, 1 when the assembly runs them one at a time or says nothing.</summary>
    public static int Of(Assembly? testAssembly)
    {
        if (testAssembly is null)
        {
            return 1;
        }

        IList<CustomAttributeData> attributes;
        try
        {
            attributes = testAssembly.GetCustomAttributesData();
        }
        catch (Exception e) when (e is TypeLoadException or FileNotFoundException or BadImageFormatException)
        {
            return 1;
        }

        if (Find(attributes, "Microsoft.VisualStudio.TestTools.UnitTesting.ParallelizeAttribute") is { } mstest)
        {
            // Workers = 0 (the default) means one per processor.
            return Workers(Named(mstest, "Workers"));
        }

        if (Find(attributes, "NUnit.Framework.ParallelizableAttribute") is { } nunit)
        {
            // At assembly level only a scope over the fixtures or their children runs tests at once (Self, the default, does not).
            var scope = nunit.ConstructorArguments is [{ ArgumentType.IsEnum: true } argument]
                ? Enum.ToObject(argument.ArgumentType, argument.Value!).ToString() ?? ""
                : "Self";
            if (!scope.Contains("Fixtures", StringComparison.Ordinal) && !scope.Contains("Children", StringComparison.Ordinal) && !scope.Contains("All", StringComparison.Ordinal))
            {
                return 1;
            }

            var level = Find(attributes, "NUnit.Framework.LevelOfParallelismAttribute") is { ConstructorArguments: [{ Value: int l }] } ? l : 0;
            return level > 0 ? level : Math.Max(Environment.ProcessorCount, 2);
        }

        if (testAssembly.GetReferencedAssemblies().Any(a => a.Name is "xunit.core" or "xunit.v3.core"))
        {
            var behavior = Find(attributes, "Xunit.CollectionBehaviorAttribute");
            if (behavior is not null && Named(behavior, "DisableTestParallelization") is true)
            {
                return 1;
            }

            return Workers(behavior is null ? null : Named(behavior, "MaxParallelThreads"));
        }

        return 1;
    }

    private static int Workers(object? configured) => configured is int workers && workers > 0 ? workers : Environment.ProcessorCount;

    private static CustomAttributeData? Find(IList<CustomAttributeData> attributes, string fullName) =>
        attributes.FirstOrDefault(a => a.AttributeType.FullName == fullName);

    private static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name) is { MemberName: not null } found ? found.TypedValue.Value : null;
}
