using System.Reflection;
using System.Reflection.Emit;
using Neon.Testing.Engine;
using Neon.Testing.Hosting;

namespace Neon.Testing.Platform.Tests;

/// <summary>The levels a test assembly's attributes name: what the session makes ahead of the tests that need them.</summary>
[TestClass]
public sealed class LevelsInUseTests
{
    [TestMethod]
    public void LevelsOnClassesAndMethods_AreFound()
    {
        var assembly = Emit(classAttribute: new ReadOnlyAttribute(), methodAttribute: new SharedAttribute());

        CollectionAssert.AreEquivalent(new[] { TestIsolation.ReadOnly, TestIsolation.Shared }, LevelsInUse.Of(assembly).ToArray());
    }

    [TestMethod]
    public void TheAssemblysLevel_IsFound()
    {
        var assembly = Emit(assemblyAttribute: new IsolationAttribute(TestIsolation.PerClass));

        CollectionAssert.AreEquivalent(new[] { TestIsolation.PerClass }, LevelsInUse.Of(assembly).ToArray());
    }

    [TestMethod]
    public void AnAssemblyWithoutLevels_NamesNone()
    {
        Assert.AreEqual(0, LevelsInUse.Of(Emit()).Count);
        Assert.AreEqual(0, LevelsInUse.Of(null).Count);
    }

    /// <summary>An in-memory assembly with a test class, and the given attributes on it, on its one method, or on the assembly.</summary>
    private static Assembly Emit(IsolationAttribute? classAttribute = null, IsolationAttribute? methodAttribute = null, IsolationAttribute? assemblyAttribute = null)
    {
        var assembly = AssemblyBuilder.DefineDynamicAssembly(
            new AssemblyName($"Levels{Guid.NewGuid():N}"), AssemblyBuilderAccess.RunAndCollect, assemblyAttribute is null ? [] : [Builder(assemblyAttribute)]);
        var type = assembly.DefineDynamicModule("Tests").DefineType("Tests", TypeAttributes.Public | TypeAttributes.Class);
        if (classAttribute is not null)
        {
            type.SetCustomAttribute(Builder(classAttribute));
        }

        var method = type.DefineMethod("Test", MethodAttributes.Public, typeof(void), Type.EmptyTypes);
        if (methodAttribute is not null)
        {
            method.SetCustomAttribute(Builder(methodAttribute));
        }

        method.GetILGenerator().Emit(OpCodes.Ret);
        type.CreateType();
        return assembly;
    }

    private static CustomAttributeBuilder Builder(IsolationAttribute attribute) =>
        attribute.GetType() == typeof(IsolationAttribute)
            ? new CustomAttributeBuilder(typeof(IsolationAttribute).GetConstructor([typeof(TestIsolation)])!, [attribute.Level])
            : new CustomAttributeBuilder(attribute.GetType().GetConstructor(Type.EmptyTypes)!, []);
}
