using System.Globalization;
using Microsoft.Build.Framework;
using Neon.Testing.Engine;

namespace Neon.Testing.Tasks;

/// <summary>
/// The SDK's user commands, with the project's own settings: <c>dotnet msbuild -t:NeonBranches</c> lists our branches
/// with a command that opens each, <c>-t:NeonSweep</c> removes the expired ones and those of ended runs,
/// <c>-t:NeonStopServer</c> stops the embedded PostgreSQL unless a test session is using it.
/// </summary>
public sealed class RunNeonMaintenance : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary><c>list</c>, <c>sweep</c> or <c>stop-server</c>.</summary>
    [Required]
    public string Command { get; set; } = "";

    /// <summary>The <c>Neon*</c> properties: identity is the property name, metadata <c>Value</c> its value.</summary>
    [Required]
    public ITaskItem[] Settings { get; set; } = [];

    /// <summary>The test project's folder: the base of relative paths.</summary>
    [Required]
    public string ProjectDirectory { get; set; } = "";

    /// <summary>The test project, named in errors.</summary>
    public string ProjectFile { get; set; } = "";

    /// <inheritdoc />
    public void Cancel() => _cancellation.Cancel();

    /// <inheritdoc />
    public override bool Execute()
    {
        NeonTestingOptions options;
        try
        {
            options = NeonSettingItems.Parse(NeonSettingItems.Read(Settings), ProjectDirectory);
        }
        catch (NeonConfigurationException e)
        {
            Log.LogError(null, NeonDiagnostics.ForSetting(e.Setting), null, ProjectFile, 0, 0, 0, 0, "{0}", e.Message);
            return false;
        }

        var logger = new TaskLogger();
        logger.AddSecret(options.ApiKey);
        logger.AddSecret(options.LocalConnectionString);
        logger.Attach(Log);
        try
        {
            switch (Command)
            {
                case "list":
                    List(BranchMaintenance.ListAsync(options, logger, _cancellation.Token).GetAwaiter().GetResult(), options);
                    break;
                case "sweep":
                    var swept = BranchMaintenance.SweepAsync(options, logger, _cancellation.Token).GetAwaiter().GetResult();
                    Log.LogMessage(MessageImportance.High, "Neon.Testing: removed {0} expired or orphaned branch(es); live runs' branches were left alone.", swept);
                    break;
                case "stop-server":
                    Report(BranchMaintenance.StopEmbeddedServerAsync(options, _cancellation.Token).GetAwaiter().GetResult());
                    break;
                default:
                    Log.LogError(null, NeonDiagnostics.MaintenanceFailed, null, ProjectFile, 0, 0, 0, 0, "Neon.Testing: unknown command '{0}'. Use list, sweep or stop-server.", Command);
                    return false;
            }

            return !Log.HasLoggedErrors;
        }
        catch (NeonConfigurationException e)
        {
            Log.LogError(null, NeonDiagnostics.ForSetting(e.Setting), null, ProjectFile, 0, 0, 0, 0, "{0}", logger.Redact(e.Message));
            return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
        {
            Log.LogError(null, NeonDiagnostics.MaintenanceFailed, null, ProjectFile, 0, 0, 0, 0, "Neon.Testing: {0} failed: {1}", Command, logger.Redact(e.Message));
            return false;
        }
        finally
        {
            logger.Attach(null);
        }
    }

    private void List(IReadOnlyList<ListedBranch> branches, NeonTestingOptions options)
    {
        Log.LogMessage(MessageImportance.High, "Neon.Testing: {0} branch(es) of ours on the {1} provider.", branches.Count, options.ResolvedProvider);
        foreach (var branch in branches)
        {
            var created = branch.CreatedAt is { } at ? at.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture) : "?";
            var expires = branch.ExpiresAt is { } e ? e.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture) : "never";
            Log.LogMessage(MessageImportance.High, "  {0} (created {1}, expires {2})", branch.Name, created, expires);
            Log.LogMessage(MessageImportance.High, "    open: {0}", branch.HowToOpen);
        }
    }

    private void Report(ServerStopResult result)
    {
        if (!result.WasRunning)
        {
            Log.LogMessage(MessageImportance.High, "Neon.Testing: the embedded PostgreSQL in {0} is not running.", result.RootDirectory);
        }
        else if (result.LiveSessions > 0)
        {
            Log.LogError(null, NeonDiagnostics.MaintenanceFailed, null, ProjectFile, 0, 0, 0, 0,
                "Neon.Testing: the embedded PostgreSQL in {0} was left running: {1} test session(s) are using it. Stop it when they have ended.", result.RootDirectory, result.LiveSessions);
        }
        else if (result.Stopped)
        {
            Log.LogMessage(MessageImportance.High, "Neon.Testing: stopped the embedded PostgreSQL in {0}; the next test run starts it again.", result.RootDirectory);
        }
        else
        {
            Log.LogError(null, NeonDiagnostics.MaintenanceFailed, null, ProjectFile, 0, 0, 0, 0, "Neon.Testing: the embedded PostgreSQL in {0} did not stop; see its log in that folder.", result.RootDirectory);
        }
    }
}
