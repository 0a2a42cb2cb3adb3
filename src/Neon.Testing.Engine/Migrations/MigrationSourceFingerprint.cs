using System.Security.Cryptography;
using System.Text;

namespace Neon.Testing.Engine.Migrations;

/// <summary>
/// The template fingerprint for a <see cref="MigrationSource"/>: what <see cref="MigrationFingerprint"/> hashes for
/// <c>.sql</c> files (layout version, tracking version, parent, database), with the source's own part instead of the files.
/// </summary>
internal static class MigrationSourceFingerprint
{
    /// <summary>The fingerprint from the source's own part (<see cref="MigrationSource.ComputeFingerprintAsync"/>), computed beforehand; <see langword="null"/> when the part is.</summary>
    public static string? Combine(MigrationSource source, string? part, NeonTestingOptions options, Branch root, string trackingVersion)
    {
        if (part is null)
        {
            return null;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var text in new[] { MigrationFingerprint.LayoutVersion, trackingVersion, root.Id, options.Database, "source", source.GetType().FullName ?? "", part })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
