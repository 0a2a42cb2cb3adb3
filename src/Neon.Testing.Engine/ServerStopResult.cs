namespace Neon.Testing.Engine;

/// <summary>What <see cref="BranchMaintenance.StopEmbeddedServerAsync"/> did.</summary>
/// <param name="RootDirectory">The embedded cluster's folder.</param>
/// <param name="Stopped">The server was stopped.</param>
/// <param name="WasRunning">It was running.</param>
/// <param name="LiveSessions">Test sessions holding it; when any, it was left running.</param>
public sealed record ServerStopResult(string RootDirectory, bool Stopped, bool WasRunning, int LiveSessions);
