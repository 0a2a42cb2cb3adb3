namespace Neon.Testing.Engine.Isolation;

/// <summary>A trigger of the application's on a tracked table, with its <c>tgenabled</c> state to put back after a restore.</summary>
internal sealed record UserTrigger(string QualifiedTable, string Name, char Enabled)
{
    public string Disable => $"ALTER TABLE ONLY {QualifiedTable} DISABLE TRIGGER {Sql.Quote(Name)}";

    public string Enable => Enabled switch
    {
        'A' => $"ALTER TABLE ONLY {QualifiedTable} ENABLE ALWAYS TRIGGER {Sql.Quote(Name)}",
        'R' => $"ALTER TABLE ONLY {QualifiedTable} ENABLE REPLICA TRIGGER {Sql.Quote(Name)}",
        _ => $"ALTER TABLE ONLY {QualifiedTable} ENABLE TRIGGER {Sql.Quote(Name)}",
    };

    /// <summary>Whether the trigger would fire during a restore in <paramref name="mode"/>.</summary>
    public bool FiresIn(RestoreMode mode) => mode == RestoreMode.ReplicationRole ? Enabled is 'A' or 'R' : Enabled is 'O' or 'A';
}
