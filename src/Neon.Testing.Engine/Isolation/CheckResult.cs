namespace Neon.Testing.Engine.Isolation;

/// <summary>What the one-round-trip check after a test found.</summary>
internal sealed class CheckResult
{
    /// <summary>The activity counter (0 when never bumped).</summary>
    public long Activity { get; set; }

    /// <summary>The next transaction id (0 when event triggers report schema changes).</summary>
    public long Horizon { get; set; }

    /// <summary>Oids marked dirty, with their heap size (null when the relation is gone).</summary>
    public Dictionary<uint, long?> Dirty { get; } = [];

    public List<uint> MovedSequences { get; } = [];

    /// <summary>Number of logged schema changes and the first command tag, when the event trigger logged any.</summary>
    public (long Count, string Tag)? Ddl { get; set; }

    /// <summary>Other backends of this database with an open transaction (a leaked connection).</summary>
    public List<int> OpenTransactions { get; } = [];

    /// <summary>The catalog stamp (count:fresh), when the horizon moved (fingerprint mode only).</summary>
    public string? Stamp { get; set; }

    /// <summary>The snapshot xmin the stamp was taken under: the next stamp's bound for fresh rows.</summary>
    public long StampXmin { get; set; }

    /// <summary>The catalog fingerprint, computed only when the stamp moved.</summary>
    public string? Fingerprint { get; set; }

    public bool IsClean => Dirty.Count == 0 && MovedSequences.Count == 0 && Ddl is null && OpenTransactions.Count == 0;
}
