namespace Neon.Testing.Engine.Providers.Local;

/// <summary>What <see cref="EmbeddedPostgres.StartAsync(string?, Microsoft.Extensions.Logging.ILogger, CancellationToken)"/> had to do.</summary>
internal enum EmbeddedStart
{
    /// <summary>A server was already running and was reused.</summary>
    Reused,

    /// <summary>The cluster existed and was started.</summary>
    Started,

    /// <summary>The cluster was created with <c>initdb</c> and started (cold start).</summary>
    Initialized,
}
