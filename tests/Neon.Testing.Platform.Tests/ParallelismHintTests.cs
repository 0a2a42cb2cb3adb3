using System.Reflection;
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
