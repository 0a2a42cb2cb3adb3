using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
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
/// environment variables) and deletes the branches after the last test, pass or fail, then prints the summary.
/// Tests are bracketed in-process by the framework's own per-test hook (MSTest's global test initialize and
/// cleanup, NUnit's action attribute): no test-node consumer, so nothing is reported twice, and the extension
/// needs only the platform API of its first 2.x releases (the version MSTest 4.0 brings).
/// </summary>
internal sealed class NeonTestingSessionHandler : ITestSessionLifetimeHandler, IDataProducer, IOutputDeviceDataProducer
{
    /// <summary>Exit code of a test app whose <c>dotnet test</c> went away: the platform's "test session aborted".</summary>
    private const int ExitCodeOrphaned = 3;

    private readonly IServiceProvider _services;
    private NeonTestRun? _run;
    private bool _ownsRun;
    private int _ended;

    // The session is ended by whichever comes first: the platform's session end, SIGTERM, process exit, or the orphan
    // watcher. The others wait for it (within a bound): each of them may end the process once it returns.
    private static readonly TimeSpan EndWait = TimeSpan.FromSeconds(30);
    private readonly ManualResetEventSlim _endDone = new();
    private PosixSignalRegistration? _terminate;

    // SIGTERM while the session starts (migrations may take a while): the start is cancelled, which deletes what it
    // made, and the signal waits (within a bound) for that before the process goes.
    internal static readonly TimeSpan StartUnwind = TimeSpan.FromSeconds(20);
    private readonly CancellationTokenSource _starting = new();
    private readonly ManualResetEventSlim _startDone = new();

    public NeonTestingSessionHandler(IServiceProvider services)
    {
        _services = services;
    }

    public string Uid => NeonTestingExtensionInfo.Uid;

    public string Version => NeonTestingExtensionInfo.Version;

    public string DisplayName => NeonTestingExtensionInfo.DisplayName;

    public string Description => NeonTestingExtensionInfo.Description;

    public Type[] DataTypesProduced => [typeof(SessionFileArtifact)];

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
            SessionStartFailure.StopProcess(SessionStartFailure.Describe(e));
            return;
        }

        if (!options.Enabled)
        {
            await DisplayAsync("Neon.Testing is disabled (NeonEnabled=false): no branches are created.", testSessionContext.CancellationToken).ConfigureAwait(false);
            return;
        }

        var testAssembly = Assembly.GetEntryAssembly();
        if (testAssembly?.GetCustomAttributes().OfType<IBracketsTests>().Any() != true)
        {
            await DisplayAsync(
                "Neon.Testing: no per-test hook is wired in this test application (the SDK generates one for MSTest and NUnit), so every test shares the default database.",
                testSessionContext.CancellationToken).ConfigureAwait(false);
        }

        var results = _services.GetConfiguration().GetTestResultDirectory();
        WatchDotnetTest(results);
        if (!OperatingSystem.IsWindows())
        {
            // The platform ends the process on SIGTERM (docker stop, CI timeouts) before ProcessExit handlers get their
            // turn: clean up first. Registered before the start, so a SIGTERM during the migrations cleans up too.
            _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ =>
            {
                _starting.Cancel();
                _startDone.Wait(StartUnwind);
                EndAtExit(results);
            });
        }

        using var starting = CancellationTokenSource.CreateLinkedTokenSource(testSessionContext.CancellationToken, _starting.Token);
        try
        {
            (_run, _ownsRun) = await SessionPrestart.TakeAsync(starting.Token).ConfigureAwait(false)
                ?? await NeonTestRun.StartOrJoinAsync(() => options, "MTP", testAssembly, logger: null, starting.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            SessionStartFailure.StopProcess(SessionStartFailure.Describe(e));
            return;
        }
        finally
        {
            _startDone.Set();
        }

        if (_ownsRun)
        {
            // Ctrl-C (the platform cancels the run and exits without finishing the session) and SIGTERM (the runtime
            // raises ProcessExit) must still delete the branches.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => EndAtExit(results);
        }

        if (UnderDotnetTest)
        {
            return;
        }

        await DisplayAsync(
            string.Create(CultureInfo.InvariantCulture, $"Neon.Testing: {_run.Session.ProviderName} session ready in {_run.Startup.TotalMilliseconds:0} ms; {options.EnvVar} points at the {_run.DefaultLevel} database."),
            testSessionContext.CancellationToken).ConfigureAwait(false);
    }

    public async Task OnTestSessionFinishingAsync(ITestSessionContext testSessionContext)
    {
        ArgumentNullException.ThrowIfNull(testSessionContext);
        if (_run is not { } run || !_ownsRun)
        {
            return;
        }

        if (!ClaimEnd())
        {
            await Task.Run(() => _endDone.Wait(EndWait)).ConfigureAwait(false);
            return;
        }

        var cancellationToken = testSessionContext.CancellationToken;
        try
        {
            // Deleting the branches must happen whatever the tests did.
            await run.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await _services.GetOutputDevice().DisplayAsync(this, new ErrorMessageOutputDeviceData($"Neon.Testing: cleaning up the session failed: {e.Message}. Expired branches are removed by the sweeper at the next session start."), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _endDone.Set();
        }

        var results = _services.GetConfiguration().GetTestResultDirectory();
        var summary = run.WriteSummary(results);
        if (UnderDotnetTest)
        {
            // The platform's output device there either prints to standard output (MTP 2.0) or sends a message the
            // .NET 10 SDK drops (later 2.x); `dotnet test` shows the app's standard output when a test failed.
            StandardStreams.WriteOutput(summary);
        }
        else
        {
            await DisplayAsync(summary, cancellationToken).ConfigureAwait(false);
        }

        // `dotnet test` shows no extension output of a passing run, but it lists the session's artifacts: the summary's path at least.
        var file = new FileInfo(Path.Combine(results, RunSummary.TextFileNameFor(run.TestAssemblyName)));
        await _services.GetMessageBus().PublishAsync(this, new SessionFileArtifact(testSessionContext.SessionUid, file, "Neon.Testing summary", "What the Neon.Testing session did: branches, migrations, resets")).ConfigureAwait(false);
    }

    /// <summary>
    /// Under <c>dotnet test</c> the app is a child nobody signals when <c>dotnet test</c> alone is interrupted (its pid
    /// sent SIGINT or SIGTERM, a runner stopping it): the orphan would go on, or wait on the server, with its branches.
    /// It watches its parent and, once that is gone, ends as on SIGTERM: start cancelled, session ended, process exits.
    /// </summary>
    private void WatchDotnetTest(string results)
    {
        if (!UnderDotnetTest || ParentProcessId() is not { } parent || parent <= 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            while (ParentProcessId() == parent)
            {
                await Task.Delay(250).ConfigureAwait(false);
            }

            Console.Error.WriteLine("Neon.Testing: dotnet test is gone; its orphaned test app ends its session and exits.");
            _starting.Cancel();
            _startDone.Wait(StartUnwind);
            EndAtExit(results);
            Environment.Exit(ExitCodeOrphaned);
        });
    }

    /// <summary>The parent's pid on Linux (from /proc), else <see langword="null"/>.</summary>
    private static int? ParentProcessId()
    {
        try
        {
            // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Ends the run when the process ends before the session finished (cancelled, terminated): branches deleted, summary written.</summary>
    private void EndAtExit(string results)
    {
        if (_run is not { } run || !_ownsRun)
        {
            return;
        }

        if (!ClaimEnd())
        {
            // Another path is deleting the branches: returning now could end the process in the middle of that.
            _endDone.Wait(EndWait);
            return;
        }

        try
        {
            run.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Console.Error.WriteLine($"Neon.Testing: the run was cancelled; its session ended at exit.{Environment.NewLine}{run.WriteSummary(results)}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"Neon.Testing: the run was cancelled and ending its session failed: {e.Message}. Its branches expire by themselves, and the next session removes them (on the local engine at its start, on Neon once expired).");
        }
        finally
        {
            _endDone.Set();
        }
    }

    /// <summary>Whether this caller ends the session (the first to ask); the others must wait for <see cref="_endDone"/>.</summary>
    private bool ClaimEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    /// <summary>
    /// Run by `dotnet test` (<c>--server dotnettestcli --dotnet-test-pipe ...</c>), not directly nor by an IDE's server
    /// mode. Read from the process's arguments: the same in every platform version.
    /// </summary>
    private static bool UnderDotnetTest { get; } = Environment.GetCommandLineArgs().Any(a =>
        a.Equals("--dotnet-test-pipe", StringComparison.OrdinalIgnoreCase) || a.Equals("dotnettestcli", StringComparison.OrdinalIgnoreCase));

    private Task DisplayAsync(string text, CancellationToken cancellationToken) =>
        _services.GetOutputDevice().DisplayAsync(this, new TextOutputDeviceData(text), cancellationToken);
}
