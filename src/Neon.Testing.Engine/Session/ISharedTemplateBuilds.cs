namespace Neon.Testing.Engine.Session;

/// <summary>
/// A provider whose branches runners on other machines share (Neon): who builds a migrated template is decided
/// through the provider itself, since a file lock only orders the processes of one machine.
/// </summary>
internal interface ISharedTemplateBuilds
{
    /// <summary>
    /// Waits until this session may build <paramref name="templateName"/>, or until <paramref name="templateReady"/>
    /// says another runner has built it. Returns the claim to dispose once the template is complete (renamed), or
    /// <see langword="null"/> when the template is ready and nothing is to be built.
    /// </summary>
    Task<IAsyncDisposable?> ClaimTemplateBuildAsync(string templateName, string sessionId, Func<CancellationToken, Task<bool>> templateReady, TimeSpan timeout, CancellationToken cancellationToken);
}
