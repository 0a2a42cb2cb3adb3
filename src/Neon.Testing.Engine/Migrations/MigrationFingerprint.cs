using System.Security.Cryptography;
using System.Text;

namespace Neon.Testing.Engine.Migrations;

/// <summary>
/// A hash of everything that decides what the migrated database holds: the parent it starts from,
/// each migration file's name and content (or a command's text and its declared inputs), and the
/// change-tracking version installed on top.
/// </summary>
internal static class MigrationFingerprint
{
    /// <summary>Bumped whenever what the session installs after migrations changes shape.</summary>
    public const string LayoutVersion = "2";

    /// <summary>
    /// Returns the fingerprint, or <see langword="null"/> when the inputs cannot be known: a migration
    /// command may read anything, so its results are reused only when <c>NeonMigrationInputs</c> declares what it reads.
    /// </summary>
    public static string? Compute(NeonTestingOptions options, Branch root, string trackingVersion)
    {
        var command = options.MigrationCommand;
        if (!string.IsNullOrEmpty(command) && string.IsNullOrEmpty(options.MigrationInputs))
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

        if (!string.IsNullOrEmpty(command))
        {
            // What the command sees: its text, where it finds the connection string, and the files it reads.
            Add("command");
            Add(command);
            Add(options.EnvVar);
            Add(options.ConnectionStringName ?? "");
            foreach (var (relative, path) in InputsOf(options))
            {
                Add(relative);
                var content = File.ReadAllBytes(path);
                hash.AppendData(BitConverter.GetBytes(content.Length));
                hash.AppendData(content);
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    private static IReadOnlyList<(string Relative, string FullPath)> InputsOf(NeonTestingOptions options)
    {
        try
        {
            return MigrationInputs.Find(options.MigrationInputs!, options.WorkingDirectory);
        }
        catch (ArgumentException e)
        {
            // Checked when the settings were read; a file may have gone since.
            throw new NeonConfigurationException(NeonSettings.MigrationInputs,
                $"NeonMigrationInputs is '{options.MigrationInputs}', but {e.Message}. List the files the migration command reads, relative to {options.WorkingDirectory}, or clear it to run the command every session.", e);
        }
    }
}
