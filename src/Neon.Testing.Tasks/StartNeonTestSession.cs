using Microsoft.Build.Framework;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Migrations;

namespace Neon.Testing.Tasks;

/// <summary>
/// Creates the session's branches before a VSTest run (projects without a Neon runtime piece, such as
/// xUnit v2) and hands the connection string to the test host through the environment vstest.console
/// inherits. The session is kept for <see cref="StopNeonTestSession"/> with <c>RegisterTaskObject</c>.
/// </summary>
public sealed class StartNeonTestSession : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>The <c>Neon*</c> properties: identity is the property name, metadata <c>Value</c> its value.</summary>
    [Required]
    public ITaskItem[] Settings { get; set; } = [];

    /// <summary>The test project's folder: the base of relative paths and of the git branch in branch names.</summary>
    [Required]
    public string ProjectDirectory { get; set; } = "";

    /// <summary>Identifies this project's session between the start and stop tasks of one build.</summary>
    [Required]
    public string SessionKey { get; set; } = "";

    /// <summary>
    /// Set when a per-test hook owns the session inside the test host: no session is started here; the host
    /// names its session in this file, and <see cref="StopNeonTestSession"/> deletes what the host left.
    /// </summary>
    public string HandOffFile { get; set; } = "";

    /// <summary>With <see cref="HandOffFile"/>: the readable summary the test host writes, printed by <see cref="StopNeonTestSession"/>.</summary>
    public string HostSummaryFile { get; set; } = "";

    /// <summary>Names of the environment variables that received the connection string.</summary>
    [Output]
    public string[] EnvironmentVariables { get; private set; } = [];

    /// <inheritdoc />
    public void Cancel() => _cancellation.Cancel();

    /// <summary>The test project, named in errors and warnings (so they do not point at the SDK's targets).</summary>
    public string ProjectFile { get; set; } = "";

    /// <inheritdoc />
    public override bool Execute()
    {
        NeonTestingOptions options;
        Dictionary<string, string?> properties;
        try
        {
            properties = NeonSettingItems.Read(Settings);
            options = NeonSettingItems.Parse(properties, ProjectDirectory);
        }
        catch (NeonConfigurationException e)
        {
            Log.LogError(null, NeonDiagnostics.ForSetting(e.Setting), null, ProjectFile, 0, 0, 0, 0, "{0}", e.Message);
            return false;
        }

        var key = TaskObjectKey(SessionKey);
        if (!string.IsNullOrEmpty(HandOffFile))
        {
            if (BuildEngine4.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is null)
            {
                var cleanupLogger = new TaskLogger();
                cleanupLogger.AddSecret(options.ApiKey);
                cleanupLogger.AddSecret(options.LocalConnectionString);
                BuildEngine4.RegisterTaskObject(key, new HostSessionCleanup(options, properties, HandOffFile, HostSummaryFile, cleanupLogger), RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            }

            return true;
        }

        if (!options.Enabled)
        {
            Log.LogMessage(MessageImportance.Normal, "Neon.Testing: NeonEnabled is false; no branches are created.");
            return true;
        }

        if (BuildEngine4.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is TestSessionHolder running)
        {
            EnvironmentVariables = [.. running.ApplyEnvironment()];
            return true;
        }

        var logger = new TaskLogger();
        logger.AddSecret(options.ApiKey);
        logger.AddSecret(options.LocalConnectionString);
        logger.Attach(Log);
        TestSessionHolder holder;
        try
        {
            holder = TestSessionHolder.StartAsync(options, logger, _cancellation.Token).GetAwaiter().GetResult();
        }
        catch (NeonConfigurationException e)
        {
            Log.LogError(null, NeonDiagnostics.ForSetting(e.Setting), null, ProjectFile, 0, 0, 0, 0, "{0}", logger.Redact(e.Message));
            return false;
        }
        catch (MigrationFailedException e)
        {
            Log.LogError(null, NeonDiagnostics.MigrationFailed, null, ProjectFile, 0, 0, 0, 0,
                "Neon.Testing: migration {0} failed: {1} No branch was left behind.", e.Migration, logger.Redact(e.Message));
            return false;
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            Log.LogMessage(MessageImportance.High, "Neon.Testing: cancelled before the session started; nothing was left behind.");
            return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.LogError(null, NeonDiagnostics.SessionStartFailed, null, ProjectFile, 0, 0, 0, 0,
                "Neon.Testing: the test session could not start: {0}", logger.Redact(e.Message));
            return false;
        }
        finally
        {
            logger.Attach(null);
        }

        BuildEngine4.RegisterTaskObject(key, holder, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        EnvironmentVariables = [.. holder.ApplyEnvironment()];
        Log.LogMessage(MessageImportance.High,
            "Neon.Testing: {0} session {1} ready in {2} ms; {3} {4} at {5} ({6}).",
            holder.ProviderName, holder.SessionId, (int)holder.StartTime.TotalMilliseconds, string.Join(" and ", EnvironmentVariables), EnvironmentVariables.Length == 1 ? "points" : "point", holder.DatabaseName, holder.Options.Isolation);
        return true;
    }

    /// <summary>The key both tasks use for one project's session.</summary>
    internal static object TaskObjectKey(string sessionKey) => "Neon.Testing.Session|" + sessionKey;
}
