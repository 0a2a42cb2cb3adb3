using System.Reflection;
using System.Runtime.InteropServices;
using Neon.Testing.Engine;
using Neon.Testing.Hosting;

namespace Neon.Testing.Platform;

/// <summary>
/// Starts the session from the generated entry point, while the platform still builds itself (its command line,
/// services and the framework), instead of after: the two overlap, and the first test runs that much sooner. The
/// session handler takes the start over (<see cref="TakeAsync"/>) and owns the run as if it had started it. Only for a
/// command line that neither changes a setting (<c>--neon-*</c>, a response file) nor runs no tests (listing, help,
/// an IDE's server mode): those start the session where they always did, or not at all.
/// </summary>
internal static class SessionPrestart
{
    private static Pending? _pending;

    /// <summary>Starts the session in the background when <paramref name="args"/> allow it.</summary>
    public static void Begin(string[] args)
    {
        if (!Allows(args) || Volatile.Read(ref _pending) is not null)
        {
            return;
        }

        NeonTestingOptions options;
        try
        {
            options = NeonTestRun.LoadOptions();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bad setting or an unreadable settings file: the session handler reads the settings again and reports
            // the error the way it always does. Nothing here may fail the entry point.
            return;
        }

        if (!options.Enabled)
        {
            return;
        }

        var cancel = new CancellationTokenSource();
        var testAssembly = Assembly.GetEntryAssembly();
        var start = Task.Run(() => NeonTestRun.StartOrJoinAsync(() => options, "MTP", testAssembly, logger: null, cancel.Token), CancellationToken.None);
        var pending = new Pending(start, cancel);

        // Until the handler takes the start over, nothing else would delete what it made if the process went away.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Abandon();
        if (!OperatingSystem.IsWindows())
        {
            pending.Signals =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Abandon()),
                PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Abandon()),
            ];
        }

        Volatile.Write(ref _pending, pending);
    }

    /// <summary>The session started by <see cref="Begin"/>, once; the caller owns the run it yields and cancels it through <paramref name="cancellationToken"/>.</summary>
    public static async Task<(NeonTestRun Run, bool Created)?> TakeAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _pending, null) is not { } pending)
        {
            return null;
        }

        pending.StopWatchingSignals();
        await using var link = cancellationToken.Register(pending.Cancel.Cancel).ConfigureAwait(false);
        return await pending.Start.ConfigureAwait(false);
    }

    /// <summary>Whether the command line starts tests with the settings of the file and the environment alone.</summary>
    internal static bool Allows(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith('@') || arg.StartsWith("--neon", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            var name = arg.Split(['=', ':'], 2)[0];
            if (name is "--list-tests" or "--help" or "-h" or "-?" or "--info" or "--discover" ||
                (name.Equals("--server", StringComparison.OrdinalIgnoreCase) && (i + 1 >= args.Count || !args[i + 1].Equals("dotnettestcli", StringComparison.OrdinalIgnoreCase))))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The process goes away before the handler took the start: cancel it, or end the run it made.</summary>
    private static void Abandon()
    {
        if (Interlocked.Exchange(ref _pending, null) is not { } pending)
        {
            return;
        }

        pending.Cancel.Cancel();
        try
        {
            if (pending.Start.Wait(NeonTestingSessionHandler.StartUnwind) && pending.Start.Result.Created)
            {
                pending.Start.Result.Run.DisposeAsync().AsTask().Wait(NeonTestingSessionHandler.StartUnwind);
            }
        }
        catch (AggregateException)
        {
            // A start that failed or was cancelled deleted what it made.
        }
    }

    private sealed class Pending(Task<(NeonTestRun Run, bool Created)> start, CancellationTokenSource cancel)
    {
        public Task<(NeonTestRun Run, bool Created)> Start { get; } = start;

        public CancellationTokenSource Cancel { get; } = cancel;

        public PosixSignalRegistration[] Signals { get; set; } = [];

        public void StopWatchingSignals()
        {
            foreach (var signal in Signals)
            {
                signal.Dispose();
            }
        }
    }
}
