using System.Security.Cryptography;
using System.Text;

namespace Neon.Testing.Engine.Migrations;

/// <summary>
/// A hash of everything that decides what the migrated database holds: the parent it starts from,
/// each migration file's name and content, and the change-tracking version installed on top.
/// </summary>
internal static class MigrationFingerprint
{
    /// <summary>Bumped whenever what the session installs after migrations changes shape.</summary>
    public const string LayoutVersion = "2";

    /// <summary>
    /// Returns the fingerprint, or <see langword="null"/> when the inputs cannot be known: a migration
    /// command may read anything, so its results are not reused.
    /// </summary>
    public static string? Compute(NeonTestingOptions options, Branch root, string trackingVersion)
    {
        if (!string.IsNullOrEmpty(options.MigrationCommand))
        {
            return null;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }

        Add(LayoutVersion);
        Add(trackingVersion);
        Add(root.Id);
        Add(options.Database);
        foreach (var file in MigrationRunner.SqlFiles(options))
        {
            Add(Path.GetFileName(file));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
