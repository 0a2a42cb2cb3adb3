namespace Neon.Testing.Engine.Migrations;

/// <summary>One statement of a <see cref="SqlScript"/>: where it sits in the file, and what it does to transactions.</summary>
/// <param name="Start">Offset of its first token (leading comments and blanks excluded).</param>
/// <param name="Length">Characters up to, not including, its terminating semicolon.</param>
/// <param name="Line">1-based line of its first token.</param>
/// <param name="Keywords">Its first words in upper case (<c>CREATE INDEX CONCURRENTLY</c>), for classification.</param>
/// <param name="BodyStart">Offset just after the opening delimiter of its first dollar-quoted body, or -1.</param>
internal sealed record SqlStatement(int Start, int Length, int Line, IReadOnlyList<string> Keywords, int BodyStart)
{
    /// <summary>Starts with <c>BEGIN</c>, <c>START TRANSACTION</c>, <c>COMMIT</c>, <c>ROLLBACK</c>, a savepoint command or the like.</summary>
    public bool IsTransactionControl => Word(0) is "BEGIN" or "START" or "COMMIT" or "END" or "ROLLBACK" or "ABORT" or "SAVEPOINT" or "RELEASE"
        || (Word(0) == "PREPARE" && Word(1) == "TRANSACTION");

    /// <summary>PostgreSQL refuses it inside a transaction block: <c>VACUUM</c>, <c>CREATE INDEX CONCURRENTLY</c>, <c>CREATE DATABASE</c>, ...</summary>
    public bool CannotRunInTransaction => Word(0) switch
    {
        "VACUUM" => true,
        "CREATE" or "DROP" => Word(1) is "DATABASE" or "TABLESPACE" || (Keywords.Take(4).Contains("INDEX") && Keywords.Take(5).Contains("CONCURRENTLY")),
        "REINDEX" => Keywords.Contains("CONCURRENTLY") || Word(1) is "SYSTEM" or "DATABASE",
        "ALTER" => Word(1) == "SYSTEM",
        _ => false,
    };

    /// <summary>Opens a transaction block: <c>BEGIN</c> or <c>START TRANSACTION</c>.</summary>
    public bool OpensTransaction => Word(0) == "BEGIN" || (Word(0) == "START" && Word(1) == "TRANSACTION");

    /// <summary>Ends the open transaction block: <c>COMMIT</c>, <c>END</c>, <c>ROLLBACK</c>, <c>ABORT</c>, <c>PREPARE TRANSACTION</c> (not <c>ROLLBACK TO</c> a savepoint, not the <c>PREPARED</c> forms).</summary>
    public bool EndsTransaction => Word(0) switch
    {
        "COMMIT" or "END" or "ABORT" => Word(1) != "PREPARED",
        "ROLLBACK" => Word(1) is not ("PREPARED" or "TO"),
        "PREPARE" => Word(1) == "TRANSACTION",
        _ => false,
    };

    /// <summary>The statement's text in <paramref name="script"/>, without its semicolon.</summary>
    public string Text(string script) => script.Substring(Start, Length);

    private string? Word(int index) => index < Keywords.Count ? Keywords[index] : null;
}
