using System.Reflection;
using Neon.Testing.Hosting;
using Xunit;

namespace Neon.Testing.Xunit;

/// <summary>
/// Assembly fixture that owns the session: branches created before the first test (and the environment
/// variables set), deleted after the last, and the summary printed. Registered by <see cref="NeonTestingAttribute"/>.
/// </summary>
public sealed class NeonTestingFixture : IAsyncLifetime
{
    private NeonTestRun? _run;
    private bool _ownsRun;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        try
        {
            var options = NeonTestRun.LoadOptions();
            if (!options.Enabled)
            {
                return;
            }

            NeonTestRun.RegisterTestKeyResolver(static () => TestContext.Current.Test?.UniqueID);
            (_run, _ownsRun) = await NeonTestRun.StartOrJoinAsync(() => options, "xUnit", Assembly.GetEntryAssembly()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // xUnit would fail every test with the fixture's error: stop before any test instead.
            SessionStartFailure.StopProcess(SessionStartFailure.Describe(e));
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_run is not { } run || !_ownsRun)
        {
            return;
        }

        _run = null;
        await run.DisposeAsync().ConfigureAwait(false);
        StandardStreams.WriteOutput(run.WriteSummary(ResultsDirectory.FromCommandLine()));
    }
}
