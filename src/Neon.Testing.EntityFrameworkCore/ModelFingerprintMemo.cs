namespace Neon.Testing.EntityFrameworkCore;

/// <summary>
/// Remembers, per <see cref="BuildIdentity"/>, the fingerprint that building a context's model and scripting its migrations
/// produced (over a second in a fresh process), so later test processes of the same build skip EF Core entirely. One small
/// file per identity in the user's cache (<c>$XDG_CACHE_HOME/neon-testing/ef-fingerprints</c>, else <c>~/.cache/...</c>);
/// written only after the model passed the pending-changes check. Unreadable or unwritable: the fingerprint is computed.
/// </summary>
internal sealed class ModelFingerprintMemo(string folder)
{
    /// <summary>The memo in the user's cache folder.</summary>
    public static ModelFingerprintMemo Default { get; } = new(DefaultFolder());

    /// <summary>Where the files are.</summary>
    public string Folder { get; } = folder;

    public string? TryRead(string identity)
    {
        try
        {
            var path = Path.Combine(Folder, identity);
            return File.Exists(path) ? File.ReadAllText(path).Trim() is { Length: 64 } digest ? digest : null : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Write(string identity, string digest)
    {
        try
        {
            Directory.CreateDirectory(Folder);
            // Written aside and moved into place: a concurrent reader sees the whole digest or none.
            var temporary = Path.Combine(Folder, $"{identity}.{Environment.ProcessId}.tmp");
            File.WriteAllText(temporary, digest);
            File.Move(temporary, Path.Combine(Folder, identity), overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next process computes it again.
        }
    }

    private static string DefaultFolder()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache))
        {
            cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }

        return Path.Combine(cache, "neon-testing", "ef-fingerprints");
    }
}
