using System.Diagnostics;

namespace Neon.Testing.Engine;

/// <summary>A lock shared by the test processes of one machine: an exclusive lock on a file, waited for with a bound.</summary>
internal static class ExclusiveFileLock
{
    /// <summary>
    /// Opens <paramref name="path"/> exclusively, retrying every <paramref name="pollInterval"/>; dispose the
    /// stream to release. After <paramref name="timeout"/> throws a <see cref="TimeoutException"/> with <paramref name="timeoutMessage"/>.
    /// </summary>
    public static async Task<FileStream> AcquireAsync(string path, TimeSpan timeout, TimeSpan pollInterval, string timeoutMessage, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock on Unix: a second process waits here.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < timeout)
            {
                await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new TimeoutException(timeoutMessage, e);
            }
        }
    }
}
