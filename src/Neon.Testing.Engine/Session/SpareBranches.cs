using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Neon.Testing.Engine.Providers.Local;

namespace Neon.Testing.Engine.Session;

/// <summary>
/// Spares of the session's migrated template on the local engine: clean clones earlier sessions left for the next one
/// instead of dropping them (their migration branch, and isolated branches their tracker found in the migrated state at
/// the end). A new branch of the session takes one by a rename instead of a clone, and the session's end leaves its own
/// clean branches the same way, up to <see cref="MaxPerTemplate"/> waiting per template and no more than
/// <paramref name="maxBytes"/> of them together (each is a copy of the template on disk). Spares expire with their
/// template, go with it, and are never connected to while they wait.
/// </summary>
internal sealed class SpareBranches(LocalBranchProvider provider, Branch template, IEnumerable<string> spares, ILogger logger, long maxBytes = SpareBranches.MaxBytesPerTemplate)
{
    /// <summary>Spares left waiting per template.</summary>
    public const int MaxPerTemplate = 8;

    /// <summary>Disk the spares of one template may take together: a large template keeps fewer (none above 2 GB).</summary>
    public const long MaxBytesPerTemplate = 2L << 30;

    private readonly ConcurrentQueue<string> _available = new(spares);
    // The template's size, read once, at the session's end (off its start).
    private readonly Lazy<Task<long>> _templateBytes = new(() => provider.DatabaseSizeAsync(template.Id, CancellationToken.None));
    private int _kept;

    /// <summary>The template whose spares these are.</summary>
    public Branch Template => template;

    /// <summary>A spare renamed to the branch <paramref name="request"/> asks for, or <see langword="null"/> when none is left.</summary>
    public async Task<Branch?> TakeAsync(BranchRequest request, CancellationToken cancellationToken)
    {
        while (_available.TryDequeue(out var spare))
        {
            try
            {
                if (await provider.ClaimSpareAsync(spare, request, cancellationToken).ConfigureAwait(false) is { } branch)
                {
                    return branch;
                }
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                // A spare is only a shortcut: the branch is cloned instead, and that reports what is wrong with the server.
                logger.LogDebug("Could not take spare {Spare}: {Message}", spare, e.Message);
            }
        }

        return null;
    }

    /// <summary>Leaves <paramref name="branch"/> (in the migrated state) as a spare; false when there are enough, or it cannot be: the caller drops it.</summary>
    public async Task<bool> KeepAsync(Branch branch, CancellationToken cancellationToken)
    {
        var waiting = Interlocked.Increment(ref _kept) + _available.Count;
        if (waiting > MaxPerTemplate)
        {
            Interlocked.Decrement(ref _kept);
            return false;
        }

        try
        {
            if (waiting * await _templateBytes.Value.WaitAsync(cancellationToken).ConfigureAwait(false) > maxBytes)
            {
                Interlocked.Decrement(ref _kept);
                return false;
            }

            if (await provider.MakeSpareAsync(branch, template, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            logger.LogDebug("Could not keep {Branch} as a spare: {Message}", branch.Name, e.Message);
        }

        Interlocked.Decrement(ref _kept);
        return false;
    }
}
