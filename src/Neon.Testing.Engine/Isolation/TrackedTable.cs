namespace Neon.Testing.Engine.Isolation;

/// <summary>A table restored as a whole: an ordinary table or a partition root (its partitions restore through it).</summary>
internal sealed class TrackedTable
{
    public required uint Oid { get; init; }

    public required string Schema { get; init; }

    public required string Name { get; init; }

    public required char RelKind { get; init; }

    /// <summary>Our copy of the rows it held at install time (unqualified name in our schema), or null when it was empty.</summary>
    public required string? Baseline { get; init; }

    /// <summary>Insertable columns (generated columns excluded), in table order.</summary>
    public required IReadOnlyList<string> Columns { get; init; }

    /// <summary>Primary key or unique NOT NULL columns, used to put updated baseline rows back in place; null restores by row identity.</summary>
    public required IReadOnlyList<string>? Key { get; init; }

    /// <summary>Our log of the keys writes touched (<see cref="ChangedKeyLog"/>), or null when the restore compares the whole table.</summary>
    public string? KeyLog { get; init; }

    /// <summary>Relations carrying the tracking trigger for this table: itself and its partitions.</summary>
    public List<uint> Members { get; } = [];

    /// <summary>Tracked tables this one references through foreign keys (self-references excluded).</summary>
    public HashSet<uint> Parents { get; } = [];

    /// <summary>Tracked tables referencing this one (self-references excluded).</summary>
    public HashSet<uint> Children { get; } = [];

    /// <summary>
    /// Tracked tables a delete here writes through their foreign keys (ON DELETE CASCADE, SET NULL, SET DEFAULT), even when
    /// no row of theirs references the deleted one: the statement runs, and their tracking marks them.
    /// </summary>
    public HashSet<uint> DeletesReach { get; } = [];

    /// <summary>A table outside tracking references this one, so it cannot be truncated alone.</summary>
    public bool ReferencedFromOutside { get; set; }

    /// <summary>
    /// A foreign key with an ON DELETE action other than NO ACTION (cascade, set null/default, restrict) references this
    /// table, so while foreign-key triggers fire its changed rows must be updated in place, never deleted and re-inserted.
    /// </summary>
    public bool ReferencedWithDeleteAction { get; set; }

    /// <summary>Enabled user triggers on the table and its partitions.</summary>
    public List<UserTrigger> Triggers { get; } = [];

    /// <summary>ev_enabled of its INSERT/UPDATE/DELETE rewrite rules.</summary>
    public List<char> Rules { get; } = [];

    /// <summary>Position in parents-first order.</summary>
    public int Order { get; set; }

    public string QualifiedName => Sql.Qualify(Schema, Name);

    public string DisplayName => $"{Schema}.{Name}";

    /// <summary>"ONLY " for ordinary tables, so inheritance children are left to their own restore; nothing for partition roots.</summary>
    public string Only => RelKind == 'p' ? "" : "ONLY ";
}
