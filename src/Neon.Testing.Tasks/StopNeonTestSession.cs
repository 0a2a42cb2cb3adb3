using Microsoft.Build.Framework;

namespace Neon.Testing.Tasks;

/// <summary>
/// Deletes the branches <see cref="StartNeonTestSession"/> created (unless <c>NeonKeepBranches</c>) and
/// restores the environment. Does nothing when no session runs. When the tests fail MSBuild skips this
/// task, and the session ends when MSBuild disposes it at the end of the build.
/// </summary>
public sealed class StopNeonTestSession : Microsoft.Build.Utilities.Task
{
    /// <summary>The key <see cref="StartNeonTestSession"/> was given.</summary>
    [Required]
    public string SessionKey { get; set; } = "";

    /// <summary>The test project, named in errors and warnings (so they do not point at the SDK's targets).</summary>
    public string ProjectFile { get; set; } = "";

    /// <inheritdoc />
    public override bool Execute()
    {
        var registered = BuildEngine4.UnregisterTaskObject(StartNeonTestSession.TaskObjectKey(SessionKey), RegisteredTaskObjectLifetime.Build);
        if (registered is HostSessionCleanup cleanup)
        {
            return CleanUpAfterHost(cleanup);
        }

        if (registered is not TestSessionHolder holder)
        {
            return true;
        }

        holder.Logger.Attach(Log);
        try
        {
            var elapsed = holder.StopAsync().GetAwaiter().GetResult();
            var statistics = holder.Statistics;
            Log.LogMessage(MessageImportance.High,
                holder.Options.KeepBranches
                    ? "Neon.Testing: {0} session {1} ended in {2} ms; kept {3} branches (NeonKeepBranches); they expire after {4}."
                    : "Neon.Testing: {0} session {1} ended in {2} ms; branches {5}.",
                holder.ProviderName, holder.SessionId, (int)elapsed.TotalMilliseconds, statistics.BranchesCreated, holder.Options.BranchExpiry, statistics.DescribeBranches());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.LogWarning(null, NeonDiagnostics.SessionStopFailed, null, ProjectFile, 0, 0, 0, 0,
                "Neon.Testing: the session did not end cleanly: {0} Its branches expire by themselves and the next session's sweeper removes them.", holder.Logger.Redact(e.Message));
        }
        finally
        {
            holder.Logger.Attach(null);
        }

        return true;
    }

    private bool CleanUpAfterHost(HostSessionCleanup cleanup)
    {
        cleanup.Logger.Attach(Log);
        try
        {
            var deleted = cleanup.CleanUpAsync().GetAwaiter().GetResult();
            if (cleanup.ReadSummary() is { } summary)
            {
                Log.LogMessage(MessageImportance.High, "{0}", summary);
            }

            if (deleted > 0)
            {
                Log.LogMessage(MessageImportance.High, "Neon.Testing: deleted {0} branches the test host left when VSTest ended it.", deleted);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.LogWarning(null, NeonDiagnostics.SessionStopFailed, null, ProjectFile, 0, 0, 0, 0,
                "Neon.Testing: the branches the test host left could not be deleted: {0} They expire by themselves and the next session's sweeper removes them.", cleanup.Logger.Redact(e.Message));
        }
        finally
        {
            cleanup.Logger.Attach(null);
        }

        return true;
    }
}
