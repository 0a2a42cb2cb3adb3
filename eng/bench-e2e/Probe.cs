using System.Diagnostics;
using System.Globalization;

namespace BenchE2e.Start;

/// <summary>The first test: how long after the process started it runs.</summary>
[TestClass]
public sealed class Probe
{
    // A use of the app's context, so that the test assembly references the app and Neon.Testing finds the context there.
    private static readonly Type Context = typeof(Library.Api.Data.LibraryDbContext);

    [TestMethod]
    public void First()
    {
        var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        Assert.IsNotNull(Context);
        File.WriteAllText(Environment.GetEnvironmentVariable("BENCH_E2E_PROBE")!, sinceStart.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture));
    }
}
