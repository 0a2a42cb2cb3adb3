// What Neon.Testing.Sdk generates for an MSTest project (obj/.../NeonTesting.g.cs): the samples reference the
// projects directly, so they include this copy.
[assembly: global::Neon.Testing.MSTest.NeonTestingAttribute]

namespace NeonTesting.Generated;

[global::Microsoft.VisualStudio.TestTools.UnitTesting.TestClass]
public sealed class NeonTestingHooks
{
    [global::Microsoft.VisualStudio.TestTools.UnitTesting.GlobalTestInitialize]
    public static void BeforeEachTest(global::Microsoft.VisualStudio.TestTools.UnitTesting.TestContext context)
    {
        var failure = global::Neon.Testing.MSTest.NeonMSTest.BeforeTest(context.FullyQualifiedTestClassName, context.TestName, typeof(NeonTestingHooks).Assembly);
        if (failure is not null)
        {
            global::Microsoft.VisualStudio.TestTools.UnitTesting.Assert.Fail(failure);
        }
    }

    [global::Microsoft.VisualStudio.TestTools.UnitTesting.GlobalTestCleanup]
    public static void AfterEachTest(global::Microsoft.VisualStudio.TestTools.UnitTesting.TestContext context)
    {
        var failure = global::Neon.Testing.MSTest.NeonMSTest.AfterTest(context.CurrentTestOutcome is global::Microsoft.VisualStudio.TestTools.UnitTesting.UnitTestOutcome.Failed or global::Microsoft.VisualStudio.TestTools.UnitTesting.UnitTestOutcome.Error or global::Microsoft.VisualStudio.TestTools.UnitTesting.UnitTestOutcome.Timeout);
        if (failure is not null)
        {
            global::Microsoft.VisualStudio.TestTools.UnitTesting.Assert.Fail(failure);
        }
    }
}
