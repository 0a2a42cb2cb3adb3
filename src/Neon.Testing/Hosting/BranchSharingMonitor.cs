using System.Diagnostics;

namespace Neon.Testing.Hosting;

/// <summary>
/// Watches Npgsql's commands in this process (its <c>Npgsql</c> activity source) and marks a test that
/// ran a command on an isolated branch another running test holds: the environment variable names
/// one branch for the whole process, so concurrent isolated tests that read it would silently share.
/// </summary>
internal sealed class BranchSharingMonitor : IDisposable
{
    private const string NpgsqlSource = "Npgsql";
    private const string DatabaseTag = "db.namespace";

    private static readonly AsyncLocal<bool> OwnWork = new();

    private readonly NeonTestRun _run;
    private readonly ActivityListener _listener;

    public BranchSharingMonitor(NeonTestRun run)
    {
        _run = run;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == NpgsqlSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = OnCommand,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>
    /// Marks the calling flow as the product's own database work (branch resets, transactions): its
    /// commands are not a test's. Set inside an async method, it ends when that method returns.
    /// </summary>
    public static void MarkOwnWork() => OwnWork.Value = true;

    private void OnCommand(Activity activity)
    {
        if (OwnWork.Value || activity.GetTagItem(DatabaseTag) is not string database || _run.Session.IsolatedBranchForDatabase(database) is not { } used)
        {
            return;
        }

        var held = used.InUse;
        if (_run.TryResolveScope(out var scope, out _))
        {
            if (scope?.Database?.Branch is { } own && own != used)
            {
                scope.SharingViolation ??= Message(scope, database, held);
                if (!held)
                {
                    // Its own test has ended, so no test's end restores this write: the next test would see it.
                    used.MarkChangedWhileFree();
                }
            }

            return;
        }

        if (!held)
        {
            // Without knowing which test asks, a command on a branch nobody holds is no one's to blame (an app's own
            // background work, a ClassInitialize).
            return;
        }

        // The host cannot tell which test ran the command: every test that got a branch of its own
        // without asking NeonDatabase for it may be the one reading the environment variable.
        foreach (var suspect in _run.RunningScopes().Where(s => s.Database is { OnOwnBranch: true } && s.Database.Branch != used && !s.AskedForConnection))
        {
            suspect.SharingViolation ??= Message(suspect, database, held: true);
        }
    }

    private string Message(TestScope scope, string database, bool held) =>
        (held
            ? $"Neon.Testing: '{scope.Test.DisplayName}' ran at the same time as '{scope.OverlapWith ?? "another isolated test"}' and used that test's isolated branch ({database}), "
            : $"Neon.Testing: '{scope.Test.DisplayName}' used an isolated branch that is not its own ({database}; its test had ended, and it is restored before its next one), ") +
        $"most likely through {_run.Options.EnvVar}, which names one branch for the whole process. Each concurrent isolated test has its own branch: " +
        (_run.Options.ConcurrentTests == Engine.ConcurrentTests.Serial
            ? "read it from Neon.Testing.NeonDatabase.ConnectionString, or let isolated tests take turns on the one branch: this one could not wait for its turn, because its framework runs it on a synchronization context (xUnit's aggressive parallel algorithm) where waiting could deadlock; use xUnit's conservative algorithm (the default)."
            : $"read it from Neon.Testing.NeonDatabase.ConnectionString, or set {Engine.NeonSettings.ConcurrentTests}=Serial (isolated tests then take turns on the one branch).");
}
