using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.Loader;
using Neon.Testing.Hosting;

namespace Neon.Testing.Platform.Tests;

/// <summary>How many tests the sample apps' frameworks run at once, read from their own assembly attributes.</summary>
[TestClass]
public sealed class ParallelismHintTests
{
    [TestMethod]
    public void MSTest_Parallelize_GivesItsWorkers() => Assert.AreEqual(4, HintOf(Samples.MSTestParallel));

    [TestMethod]
    public void MSTest_WithoutParallelize_RunsOneAtATime() => Assert.AreEqual(1, HintOf(Samples.MSTest));

    [TestMethod]
    public void Xunit_WithParallelizationDisabled_RunsOneAtATime() => Assert.AreEqual(1, HintOf(Samples.Xunit));

    [TestMethod]
    public void NUnit_WithoutParallelizable_RunsOneAtATime() => Assert.AreEqual(1, HintOf(Samples.NUnit));

    [TestMethod]
    public void NoAssembly_RunsOneAtATime() => Assert.AreEqual(1, ParallelismHint.Of(null));

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(3, 3)]
    [DataRow(40, 16)]
    public void MSTest_ParallelizeWithoutWorkers_RunsOnePerProcessor_AndNoMoreThanItsClasses(int classes, int cap)
    {
        // [Parallelize] as `dotnet new mstest` writes it: no Workers (one per processor), class scope.
        var assembly = EmitTestAssembly(classes, new CustomAttributeBuilder(typeof(ParallelizeAttribute).GetConstructor(Type.EmptyTypes)!, []));

        Assert.AreEqual(Math.Min(Math.Min(Environment.ProcessorCount, classes), cap), Math.Min(ParallelismHint.Of(assembly), cap));
    }

    [TestMethod]
    public void MSTest_MethodScope_CountsTestMethods()
    {
        var parallelize = new CustomAttributeBuilder(
            typeof(ParallelizeAttribute).GetConstructor(Type.EmptyTypes)!, [],
            [typeof(ParallelizeAttribute).GetProperty(nameof(ParallelizeAttribute.Workers))!, typeof(ParallelizeAttribute).GetProperty(nameof(ParallelizeAttribute.Scope))!],
            [8, ExecutionScope.MethodLevel]);

        // One class of three test methods: three run side by side at method scope.
        Assert.AreEqual(3, ParallelismHint.Of(EmitTestAssembly(1, parallelize, methodsPerClass: 3)));
    }

    /// <summary>An in-memory test assembly: <paramref name="classes"/> classes of [TestMethod] methods, with <paramref name="attribute"/>.</summary>
    private static Assembly EmitTestAssembly(int classes, CustomAttributeBuilder attribute, int methodsPerClass = 1)
    {
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName($"Hint{Guid.NewGuid():N}"), AssemblyBuilderAccess.RunAndCollect, [attribute]);
        var module = assembly.DefineDynamicModule("Tests");
        // MSTest 4's [TestMethod] takes the caller's file and line as optional parameters.
        var constructor = typeof(TestMethodAttribute).GetConstructors().OrderBy(c => c.GetParameters().Length).First();
        var testMethod = new CustomAttributeBuilder(constructor, [.. constructor.GetParameters().Select(p => p.DefaultValue)]);
        for (var c = 0; c < classes; c++)
        {
            var type = module.DefineType($"Tests{c}", TypeAttributes.Public | TypeAttributes.Class);
            for (var m = 0; m < methodsPerClass; m++)
            {
                var method = type.DefineMethod($"Test{m}", MethodAttributes.Public, typeof(void), Type.EmptyTypes);
                method.SetCustomAttribute(testMethod);
                method.GetILGenerator().Emit(OpCodes.Ret);
            }

            type.CreateType();
        }

        return assembly;
    }

    private static int HintOf(string sample)
    {
        var path = Samples.AssemblyPath(sample);
        var context = new SampleLoadContext(path);
        try
        {
            return ParallelismHint.Of(context.LoadFromAssemblyPath(path));
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>The sample with its own dependencies (its framework's version), apart from this test app's.</summary>
    private sealed class SampleLoadContext(string path) : AssemblyLoadContext(isCollectible: true)
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            _resolver.ResolveAssemblyToPath(assemblyName) is { } resolved ? LoadFromAssemblyPath(resolved) : null;
    }
}
