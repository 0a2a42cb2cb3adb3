namespace Neon.Testing.Engine.Isolation;

/// <summary>How the tracker notices that a test changed the schema (which forces a full reset).</summary>
internal enum SchemaChangeDetection
{
    /// <summary>Tracking is not installed.</summary>
    None,

    /// <summary>Event triggers on <c>ddl_command_end</c> and <c>sql_drop</c> log every schema change (needs a superuser at install time).</summary>
    EventTrigger,

    /// <summary>A fingerprint of the catalog rows that describe user objects, compared after every test.</summary>
    CatalogFingerprint,
}
