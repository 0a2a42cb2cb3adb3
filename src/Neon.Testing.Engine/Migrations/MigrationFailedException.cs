namespace Neon.Testing.Engine.Migrations;

/// <summary>A migration failed; the message carries the migration's own error, its file and line. The session left nothing behind.</summary>
public sealed class MigrationFailedException : Exception
{
    /// <summary>Creates the exception for the migration named <paramref name="migration"/>.</summary>
    public MigrationFailedException(string migration, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Migration = migration;
    }

    /// <summary>The failing file, or the command.</summary>
    public string Migration { get; }

    /// <summary>The 1-based line of the file the error points at, when known.</summary>
    public int? Line { get; init; }
}
