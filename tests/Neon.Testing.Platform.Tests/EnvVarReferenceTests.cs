using System.Reflection;
using System.Runtime.Loader;
using Neon.Testing.Hosting;

namespace Neon.Testing.Platform.Tests;

/// <summary>Whether a test assembly's code names the environment variable: what NeonConcurrentTests=Auto decides on.</summary>
[TestClass]
public sealed class EnvVarReferenceTests
{
    // Names this assembly's code never holds as a whole literal: built at run time, so the query itself is not one.
    private static readonly string NeverNamed = string.Concat("NEON_NEVER_", "NAMED_", Guid.NewGuid().ToString("N"));
    private static readonly string OnlyInsideLongerLiteral = string.Concat("NEON_ONLY_", "INSIDE");

    [TestMethod]
    public void ASampleReadingDatabaseUrl_NamesIt()
    {
        // Only the file is read: its types (and MSTest's) are never resolved.
        var context = new AssemblyLoadContext(nameof(ASampleReadingDatabaseUrl_NamesIt), isCollectible: true);
        try
        {
            var assembly = context.LoadFromAssemblyPath(Samples.AssemblyPath(Samples.MSTestParallel));

            Assert.IsTrue(EnvVarReference.IsIn(assembly, "DATABASE_URL"));
            Assert.IsFalse(EnvVarReference.IsIn(assembly, NeverNamed));
        }
        finally
        {
            context.Unload();
        }
    }

    [TestMethod]
    public void OnlyAWholeLiteral_Counts_NotOneThatContainsTheName()
    {
        var assembly = typeof(EnvVarReferenceTests).Assembly;
        Assert.AreEqual("NEON_ONLY_INSIDE a longer literal", Longer());

        Assert.IsFalse(EnvVarReference.IsIn(assembly, OnlyInsideLongerLiteral));
        Assert.IsTrue(EnvVarReference.IsIn(assembly, "NEON_NAMED_HERE_AS_A_WHOLE"));
    }

    [TestMethod]
    public void NoAssembly_OrADynamicOne_NamesNothing()
    {
        var dynamic = System.Reflection.Emit.AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("NeonDynamic"), System.Reflection.Emit.AssemblyBuilderAccess.Run);

        Assert.IsFalse(EnvVarReference.IsIn(null, "DATABASE_URL"));
        Assert.IsFalse(EnvVarReference.IsIn(dynamic, "DATABASE_URL"));
    }

    private static string Longer() => "NEON_ONLY_INSIDE a longer literal";
}
