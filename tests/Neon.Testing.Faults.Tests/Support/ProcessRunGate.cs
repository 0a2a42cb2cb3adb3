namespace Neon.Testing.Faults.Tests.Support;

/// <summary>
/// A copy of the sample's migrations with a gate that holds a run at one phase until the case opens it: during the
/// migrations (the first migration waits), or during a test's reset (a trigger on the restore's DELETE waits). The
/// gate is a role: roles are visible from every database, and creating it lets every later run pass straight through.
/// Each gate has its own migrations, so its own template fingerprint.
/// </summary>
public sealed class ProcessRunGate : IAsyncDisposable
{
    private readonly ProcessRunCluster _cluster;

    private readonly bool _atReset;

    private ProcessRunGate(ProcessRunCluster cluster, string folder, string role, bool atReset)
    {
        _cluster = cluster;
        _atReset = atReset;
        MigrationsFolder = folder;
        Role = role;
    }

    public string MigrationsFolder { get; }

    /// <summary>The gate's role name: also the text that shows in pg_stat_activity while a run waits at it.</summary>
    public string Role { get; }

    /// <summary>The environment that makes the sample use these migrations.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?> { ["NEON_MIGRATIONS"] = MigrationsFolder };

    public static Task<ProcessRunGate> AtMigrationAsync(ProcessRunCluster cluster) => CreateAsync(cluster, static role => $$"""
        DO $gate$ BEGIN
          WHILE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{{role}}') LOOP PERFORM pg_sleep(0.05); END LOOP;
        END $gate$;
        CREATE TABLE gate_passed (id int);
        """, "000_gate.sql", atReset: false);

    /// <summary>
    /// The restore after a test that inserted into <c>items</c> first disables the table's triggers that would fire in
    /// its replica mode (an ENABLE ALWAYS one here): an event trigger on that ALTER TABLE, in replica mode only (so not
    /// during migrations or the tracking's installation), waits at the gate.
    /// </summary>
    public static Task<ProcessRunGate> AtResetAsync(ProcessRunCluster cluster) => CreateAsync(cluster, static role => $$"""
        CREATE FUNCTION gate_noop() RETURNS trigger LANGUAGE plpgsql AS $t$ BEGIN RETURN NULL; END $t$;
        CREATE TRIGGER gate_always AFTER DELETE ON items FOR EACH STATEMENT EXECUTE FUNCTION gate_noop();
        ALTER TABLE items ENABLE ALWAYS TRIGGER gate_always;
        CREATE FUNCTION gate_reset() RETURNS event_trigger LANGUAGE plpgsql AS $gate$ BEGIN
          IF current_setting('session_replication_role') = 'replica' THEN
            WHILE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{{role}}') LOOP PERFORM pg_sleep(0.05); END LOOP;
          END IF;
        END $gate$;
        CREATE EVENT TRIGGER gate_reset ON ddl_command_start WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION gate_reset();
        ALTER EVENT TRIGGER gate_reset ENABLE ALWAYS;
        """, "900_gate.sql", atReset: true);

    /// <summary>Lets every waiting and later run through.</summary>
    public Task OpenAsync() => _cluster.ExecuteAsync($"DO $o$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{Role}') THEN CREATE ROLE \"{Role}\" NOLOGIN; END IF; END $o$");

    public async ValueTask DisposeAsync()
    {
        await _cluster.ExecuteAsync($"DROP ROLE IF EXISTS \"{Role}\"");
        Directory.Delete(MigrationsFolder, recursive: true);
    }

    /// <summary>Whether a run waits at the gate now (the event trigger's sleep shows only as a wait, not in the query text).</summary>
    public Task<bool> ReachedAsync() => _atReset ? _cluster.IsSleepingInABranchAsync() : _cluster.IsRunningAsync(Role);

    private static async Task<ProcessRunGate> CreateAsync(ProcessRunCluster cluster, Func<string, string> gateSql, string fileName, bool atReset)
    {
        var folder = Directory.CreateTempSubdirectory("neon-faults-migrations-").FullName;
        var role = "neon_gate_" + Guid.NewGuid().ToString("N")[..12];
        foreach (var file in Directory.GetFiles(ProcessRunSample.SqlFolder))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        await File.WriteAllTextAsync(Path.Combine(folder, fileName), gateSql(role));
        return new ProcessRunGate(cluster, folder, role, atReset);
    }
}
