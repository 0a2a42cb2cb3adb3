using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Microsoft.Testing.Platform.Configurations;
using Microsoft.Testing.Platform.Extensions;
using Microsoft.Testing.Platform.Extensions.Messages;
using Microsoft.Testing.Platform.Extensions.OutputDevice;
using Microsoft.Testing.Platform.Extensions.TestHost;
using Microsoft.Testing.Platform.OutputDevice;
using Microsoft.Testing.Platform.Services;
using Neon.Testing.Engine;
using Neon.Testing.Hosting;

namespace Neon.Testing.Platform;

/// <summary>
/// Owns the session inside the test application: starts it before the first test (and sets the
/// environment variables), brackets every test the framework reports before running it (MSTest) —
/// inline, because this is a blocking consumer — and deletes the branches after the last test, pass or fail.
/// </summary>
internal sealed class NeonTestingSessionHandler : ITestSessionLifetimeHandler, IBlockingDataConsumer, IDataProducer, IOutputDeviceDataProducer
{
    /// <summary>Exit code when the session cannot start: the platform's "at least one test failed", so CI fails as it should.</summary>
    private const int ExitCodeSessionFailed = 2;

    private readonly IServiceProvider _services;
    private readonly ConcurrentDictionary<string, TestScope> _scopes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(TestNode Node, string Message)> _failures = new();
    private NeonTestRun? _run;
    private bool _ownsRun;
    private bool _adapterBracketsTests;

    public NeonTestingSessionHandler(IServiceProvider services)
    {
        _services = services;
    }

    public string Uid => NeonTestingExtensionInfo.Uid;

    public string Version => NeonTestingExtensionInfo.Version;

    public string DisplayName => NeonTestingExtensionInfo.DisplayName;

    public string Description => NeonTestingExtensionInfo.Description;

    public Type[] DataTypesConsumed => [typeof(TestNodeUpdateMessage)];

    public Type[] DataTypesProduced => [typeof(TestNodeUpdateMessage), typeof(SessionFileArtifact)];

    public Task<bool> IsEnabledAsync() => Task.FromResult(true);

    public async Task OnTestSessionStartingAsync(ITestSessionContext testSessionContext)
    {
        ArgumentNullException.ThrowIfNull(testSessionContext);
        var commandLine = _services.GetCommandLineOptions();
        if (commandLine.IsOptionSet("list-tests"))
        {
            return;
        }

        NeonTestingOptions options;
        try
        {
            options = NeonTestRun.LoadOptions(NeonTestingCommandLineOptionsProvider.ReadOverrides(commandLine));
        }
        catch (NeonConfigurationException e)
        {
            StopBeforeAnyTest($"Neon.Testing {e.Code}: {e.Message}");
            return;
        }

        if (!options.Enabled)
        {
            await DisplayAsync("Neon.Testing is disabled (NeonEnabled=false): no branches are created.", testSessionContext.CancellationToken).ConfigureAwait(false);
            return;
        }

        var testAssembly = Assembly.GetEntryAssembly();

        // NUnit's bridge reports a test as in progress without waiting for us: its adapter attribute brackets tests instead.
        _adapterBracketsTests = testAssembly?.GetCustomAttributes().OfType<IBracketsTests>().Any() == true;
        if (!_adapterBracketsTests)
        {
            NeonTestRun.RegisterTestKeyResolver(MSTestCurrentTest.Key);
        }

        try
        {
            (_run, _ownsRun) = await NeonTestRun.StartOrJoinAsync(() => options, "MTP", testAssembly, logger: null, testSessionContext.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            StopBeforeAnyTest($"Neon.Testing could not start the session, so no test ran: {e.Message}");
            return;
        }

        await DisplayAsync(
            string.Create(CultureInfo.InvariantCulture, $"Neon.Testing: {_run.Session.ProviderName} session ready in {_run.Startup.TotalMilliseconds:0} ms; {options.EnvVar} points at the {_run.DefaultLevel} database."),
            testSessionContext.CancellationToken).ConfigureAwait(false);
    }

    public async Task ConsumeAsync(IDataProducer dataProducer, IData value, CancellationToken cancellationToken)
    {
        if (_adapterBracketsTests || value is not TestNodeUpdateMessage update || ReferenceEquals(dataProducer, this))
        {
            return;
        }

        if (_run is not { } run)
        {
            return;
        }

        var node = update.TestNode;
        var state = node.Properties.SingleOrDefault<TestNodeStateProperty>();
        switch (state)
        {
            case null or DiscoveredTestNodeStateProperty:
                return;
            case InProgressTestNodeStateProperty:
                if (_scopes.ContainsKey(node.Uid.Value))
                {
                    return;
                }

                try
                {
                    // Never let an exception out of here: the platform treats it as a crash of the whole run.
                    var (identity, level) = TestNodeDescription.Describe(node, run.DefaultLevel);
                    _scopes[node.Uid.Value] = await run.BeginTestAsync(identity, level, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _failures.Enqueue((node, $"Neon.Testing could not prepare the database for this test: {e.Message}"));
                }

                return;
            default:
                // A final state (passed, failed, skipped, ...). Frameworks that report only after running
                // a test (NUnit's bridge) never reach here with a scope: their adapter brackets the test.
                if (_scopes.TryRemove(node.Uid.Value, out var scope))
                {
                    try
                    {
                        var failed = state is FailedTestNodeStateProperty or ErrorTestNodeStateProperty or TimeoutTestNodeStateProperty;
                        var outcome = await run.EndTestAsync(scope, failed, cancellationToken).ConfigureAwait(false);
                        if (outcome.Failure is { } failure)
                        {
                            _failures.Enqueue((node, failure));
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _failures.Enqueue((node, $"Neon.Testing could not restore the database after this test: {e.Message}. Later tests may see its changes."));
                    }
                }

                return;
        }
    }

    public async Task OnTestSessionFinishingAsync(ITestSessionContext testSessionContext)
    {
        ArgumentNullException.ThrowIfNull(testSessionContext);
        if (_run is not { } run)
        {
            await PublishFailuresAsync(testSessionContext).ConfigureAwait(false);
            return;
        }

        var cancellationToken = testSessionContext.CancellationToken;
        Exception? cleanupError = null;
        try
        {
            foreach (var uid in _scopes.Keys.ToList())
            {
                if (_scopes.TryRemove(uid, out var scope))
                {
                    await run.EndTestAsync(scope, CancellationToken.None).ConfigureAwait(false);
                }
            }

            await PublishFailuresAsync(testSessionContext).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            cleanupError = e;
        }
        finally
        {
            if (_ownsRun)
            {
                // Deleting the branches must happen whatever went wrong above.
                try
                {
                    await run.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    cleanupError ??= e;
                }
            }
        }

        if (cleanupError is not null)
        {
            await _services.GetOutputDevice().DisplayAsync(this, new ErrorMessageOutputDeviceData($"Neon.Testing: cleaning up the session failed: {cleanupError.Message}. Expired branches are removed by the sweeper at the next session start."), cancellationToken).ConfigureAwait(false);
        }

        if (_ownsRun)
        {
            var results = _services.GetConfiguration().GetTestResultDirectory();
            await DisplayAsync(run.WriteSummary(results), cancellationToken).ConfigureAwait(false);

            // `dotnet test` shows no extension output of a passing run, but it lists the session's artifacts: the summary's path at least.
            var file = new FileInfo(Path.Combine(results, RunSummary.TextFileName));
            await _services.GetMessageBus().PublishAsync(this, new SessionFileArtifact(testSessionContext.SessionUid, file, "Neon.Testing summary", "What the Neon.Testing session did: branches, migrations, resets")).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends the test application before any test runs, with <paramref name="message"/> said once and exit code 2:
    /// without a database every test would fail, each with a secondary error (or crash the host, had this thrown).
    /// The session left nothing behind: it cleans up after itself when it cannot start.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void StopBeforeAnyTest(string message)
    {
        // Standard error, not the output device: `dotnet test` shows a test app's error output, while a display
        // message still queued for it would be lost when the process ends.
        Console.Error.WriteLine(message);
        Console.Error.Flush();
        Environment.Exit(ExitCodeSessionFailed);
    }

    /// <summary>Reports the tests this extension failed (their own code may have passed) as failed.</summary>
    private async Task PublishFailuresAsync(ITestSessionContext testSessionContext)
    {
        var bus = _services.GetMessageBus();
        while (_failures.TryDequeue(out var failure))
        {
            var properties = new List<IProperty> { new FailedTestNodeStateProperty(failure.Message) };
            properties.AddRange(failure.Node.Properties.OfType<TestMethodIdentifierProperty>());
            await bus.PublishAsync(this, new TestNodeUpdateMessage(
                testSessionContext.SessionUid,
                new TestNode { Uid = failure.Node.Uid, DisplayName = failure.Node.DisplayName, Properties = new PropertyBag(properties) })).ConfigureAwait(false);
        }
    }

    private Task DisplayAsync(string text, CancellationToken cancellationToken) =>
        _services.GetOutputDevice().DisplayAsync(this, new TextOutputDeviceData(text), cancellationToken);
}
