using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Neon.Testing.Engine.Session;

/// <summary>
/// The cache of migrated templates: one branch per migration fingerprint, built once (under a name no
/// session reuses, renamed only once complete) and cloned by every later session with the same migrations.
/// Test processes started together wait for each other here instead of migrating twice.
/// </summary>
internal sealed class MigratedTemplateCache(IBranchProvider provider, NeonTestingOptions options, SessionStatistics statistics, ILogger logger, string sessionId)
{
    private static readonly TimeSpan TemplateLockTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Finds the fresh template for <paramref name="fingerprint"/> or builds it from <paramref name="root"/> with
    /// <paramref name="migrate"/>, then runs <paramref name="cloneTemplate"/> on it (with its spares, see
    /// <see cref="SpareBranches"/>) while still holding the lock
    /// (so no other process retires the template in between). <paramref name="cloneTemplate"/> may leave part of its
    /// work running (its inner task): the lock is held until that ends too, while this method returns at once.
    /// </summary>
    /// <returns>The clone (complete once the lock is released) and the template's name.</returns>
    public async Task<(Task<Branch> Clone, string TemplateName)> CloneAsync(
        Branch root,
        string fingerprint,
        Func<Branch, CancellationToken, Task> migrate,
        Func<Branch, IReadOnlyList<Branch>, CancellationToken, Task<Task<Branch>>> cloneTemplate,
        CancellationToken cancellationToken)
    {
        // Test processes started together (several projects in one 'dotnet test') must not
        // migrate twice: one builds the template, the others wait for it here.
        var templateName = BranchNames.ForTemplate(fingerprint);
        var fileLock = provider is ISharedTemplateBuilds ? null : await AcquireTemplateLockAsync(templateName, cancellationToken).ConfigureAwait(false);
        IAsyncDisposable? serverLock = null;
        try
        {
            // The file lock spans one machine; machines sharing one PostgreSQL server (NeonLocalConnectionString) meet on the server.
            serverLock = provider is Providers.Local.LocalBranchProvider local
                ? await local.AcquireTemplateLockAsync(templateName, TemplateLockTimeout, cancellationToken).ConfigureAwait(false)
                : null;
            var (template, nameForNew, ours) = await FindFreshTemplateAsync(templateName, cancellationToken).ConfigureAwait(false);
            IAsyncDisposable? claim = null;
            if (template is null && provider is ISharedTemplateBuilds shared)
            {
                // Runners on other machines share the project: the claim through Neon decides who builds; the others
                // wait here for the template to appear.
                claim = await shared.ClaimTemplateBuildAsync(
                    templateName,
                    sessionId,
                    async ct =>
                    {
                        (template, nameForNew, ours) = await FindFreshTemplateAsync(templateName, ct).ConfigureAwait(false);
                        return template is not null;
                    },
                    TemplateLockTimeout,
                    cancellationToken).ConfigureAwait(false);
            }

            await using var releaseClaim = claim;
            if (template is null)
            {
                // Built under a name no session reuses, and given the template's name only once complete:
                // a run killed mid-migration must leave litter for the sweeper, never a half-built template.
                var expires = DateTimeOffset.UtcNow + options.MigrationCacheExpiry;
                var building = await provider.CreateBranchAsync(new BranchRequest(BranchNames.ForTemplateBuild(fingerprint, sessionId), root.Id, expires, WillHaveChildren: true), cancellationToken).ConfigureAwait(false);
                try
                {
                    await migrate(building, cancellationToken).ConfigureAwait(false);
                    template = await provider.RenameBranchAsync(building, nameForNew, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await provider.DeleteBranchAsync(building, CancellationToken.None).ConfigureAwait(false);
                    throw;
                }
            }
            else
            {
                statistics.MigrationsReused = true;
                logger.LogInformation("Migrations unchanged (fingerprint {Fingerprint}): reusing {Template}.", fingerprint[..12], template.Name);
            }

            var clone = await cloneTemplate(template, SparesOf(template, ours), cancellationToken).ConfigureAwait(false);
            var held = (fileLock, serverLock);
            (fileLock, serverLock) = (null, null);
            return (ReleaseAfterAsync(clone, held.fileLock, held.serverLock), template.Name);
        }
        finally
        {
            await ReleaseAsync(fileLock, serverLock).ConfigureAwait(false);
        }
    }

    /// <summary>The clone, once it is complete and the locks it was made under are released.</summary>
    private static async Task<Branch> ReleaseAfterAsync(Task<Branch> clone, IDisposable? fileLock, IAsyncDisposable? serverLock)
    {
        try
        {
            return await clone.ConfigureAwait(false);
        }
        finally
        {
            await ReleaseAsync(fileLock, serverLock).ConfigureAwait(false);
        }
    }

    private static async ValueTask ReleaseAsync(IDisposable? fileLock, IAsyncDisposable? serverLock)
    {
        try
        {
            if (serverLock is not null)
            {
                await serverLock.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            fileLock?.Dispose();
        }
    }

    /// <summary>
    /// The newest fresh template for the fingerprint, deleting expired ones on the way, and the name to build
    /// a new one under. An expired template that running sessions still branch from cannot go (Neon refuses
    /// to delete a parent), so it stays for the sweeper, and the rebuilt one gets a generation suffix
    /// (<c>&lt;template&gt;-&lt;unix seconds&gt;</c>).
    /// </summary>
    private async Task<(Branch? Fresh, string NameForNew, IReadOnlyList<Branch> Ours)> FindFreshTemplateAsync(string baseName, CancellationToken cancellationToken)
    {
        var ours = await provider.ListOurBranchesAsync(cancellationToken).ConfigureAwait(false);
        Branch? fresh = null;
        var held = false;
        foreach (var template in ours.Where(b => IsTemplateGeneration(b.Name, baseName)).OrderByDescending(b => b.CreatedAt ?? DateTimeOffset.MinValue))
        {
            if (IsFresh(template))
            {
                fresh ??= template;
            }
            else if (ours.Any(b => b.ParentId == template.Id && !BranchNames.IsSpare(b.Name)))
            {
                held |= template.Name == baseName;
                logger.LogInformation("The migrated template {Template} has expired, but branches of running sessions still start from it; it stays until they are gone.", template.Name);
            }
            else
            {
                logger.LogInformation("The migrated template {Template} has expired; deleting it.", template.Name);
                try
                {
                    await provider.DeleteBranchAsync(template, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // Neon may still refuse (a child that is not ours): build a new one beside it rather than fail the run.
                    held |= template.Name == baseName;
                    logger.LogWarning("Could not delete the expired template {Template}: {Message} The sweeper retries later.", template.Name, e.Message);
                }
            }
        }

        // The expired template still holds the base name: the rebuilt one gets a name of its own.
        return (fresh, held ? $"{baseName}-{DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}" : baseName, ours);
    }

    /// <summary>The unexpired spares of <paramref name="template"/> among <paramref name="ours"/>, made since it was (never a same-named predecessor's).</summary>
    private static List<Branch> SparesOf(Branch template, IReadOnlyList<Branch> ours)
    {
        var now = DateTimeOffset.UtcNow;
        return [.. ours.Where(b => BranchNames.IsSpareOf(b.Name, template.Name)
            && b.CreatedAt >= (template.CreatedAt ?? DateTimeOffset.MaxValue)
            && (b.ExpiresAt is null || b.ExpiresAt > now))];
    }

    private static bool IsTemplateGeneration(string name, string baseName) =>
        name == baseName || (name.Length > baseName.Length + 1 && name.StartsWith(baseName + "-", StringComparison.Ordinal) && !name.AsSpan(baseName.Length + 1).ContainsAnyExceptInRange('0', '9'));

    private bool IsFresh(Branch template)
    {
        var now = DateTimeOffset.UtcNow;
        if (template.ExpiresAt is { } expires)
        {
            return expires > now;
        }

        return template.CreatedAt is { } created && created + options.MigrationCacheExpiry > now;
    }

    private static async Task<IDisposable> AcquireTemplateLockAsync(string templateName, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), "neon-testing-locks");
        Directory.CreateDirectory(folder);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(templateName)))[..24];
        var path = Path.Combine(folder, key + ".lock");
        return await ExclusiveFileLock.AcquireAsync(
            path,
            TemplateLockTimeout,
            TimeSpan.FromMilliseconds(100),
            $"Waited {TemplateLockTimeout.TotalMinutes:0} minutes for another test process to migrate '{templateName}'. If no other test run is active, delete {path}.",
            cancellationToken).ConfigureAwait(false);
    }
}
