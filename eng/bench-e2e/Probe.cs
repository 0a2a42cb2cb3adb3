using System.Diagnostics;
using System.Globalization;

namespace BenchE2e.Start;

/// <summary>The first test: how long after the process started it runs.</summary>
[TestClass]
public sealed class Probe
{
    [TestMethod]
    public void First()
    {
        var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        File.WriteAllText(Environment.GetEnvironmentVariable("BENCH_E2E_PROBE")!, sinceStart.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture));
    }
}
