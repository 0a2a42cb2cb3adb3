using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Neon.Testing.Engine.Providers.Local;

/// <summary>
/// A throwaway PostgreSQL cluster in a per-user cache folder, initialised once, tuned for tests
/// (no fsync), listening on 127.0.0.1 and a free port, and shared by concurrent test processes.
/// The server keeps running after the session so the next run starts warm; <see cref="StopAsync"/> ends it.
/// </summary>
public sealed class EmbeddedPostgres
{
    private const string SuperUser = "postgres";

    /// <summary>Name of the superuser's password file in <see cref="RootDirectory"/> (mode 0600).</summary>
    internal const string PasswordFileName = "superuser.password";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private EmbeddedPostgres(string rootDirectory, int port, string password, EmbeddedStart start, TimeSpan elapsed)
    {
        RootDirectory = rootDirectory;
        Port = port;
        Start = start;
        Elapsed = elapsed;
        AdminConnectionString = AdminConnectionStringFor(port, password);
    }

    /// <summary>The cache folder holding <c>data/</c>, the log and the superuser password.</summary>
    public string RootDirectory { get; }

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Whether this call initialised, started or reused the cluster.</summary>
    internal EmbeddedStart Start { get; }

    /// <summary>How long <see cref="StartAsync(string?, ILogger, CancellationToken)"/> took.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Superuser connection string (holds a password: never log it).</summary>
    public string AdminConnectionString { get; }

    /// <summary>Default cache folder: <c>$XDG_CACHE_HOME/neon-testing</c>, or a world-traversable folder under /var/tmp when running as root.</summary>
    public static string DefaultRootDirectory(int majorVersion)
    {
        var leaf = $"pg{majorVersion}";
        if (ServerUser.IsRoot)
        {
            // The server runs as 'nobody', which cannot enter /root: keep the cluster somewhere it can.
            return Path.Combine("/var/tmp", "neon-testing-root", leaf);
        }

        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache))
        {
            cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }

        return Path.Combine(cache, "neon-testing", leaf);
    }

    /// <summary>Starts the cluster in <paramref name="rootDirectory"/> (default folder when null), or reuses it when it is already running.</summary>
    public static Task<EmbeddedPostgres> StartAsync(string? rootDirectory, ILogger logger, CancellationToken cancellationToken = default) =>
        StartAsync(rootDirectory, logger, null, cancellationToken);

    /// <summary>
    /// Starts or reuses the cluster; a running cluster is probed through the admin pool <paramref name="adminFor"/> makes for
    /// its connection string, so the probe's connection is the pool's first instead of one opened and closed on its own.
    /// </summary>
    internal static async Task<EmbeddedPostgres> StartAsync(string? rootDirectory, ILogger logger, Func<string, LocalServerAdmin>? adminFor, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new NeonConfigurationException(NeonSettings.LocalConnectionString,
                "The embedded PostgreSQL runs on Linux and macOS. On Windows set NeonLocalConnectionString (NEON_LOCAL_CONNECTION_STRING) to a server whose user has CREATEDB.");
        }

        var stopwatch = Stopwatch.StartNew();
        var binaries = PostgresBinaries.Find();
        rootDirectory = Path.GetFullPath(rootDirectory ?? DefaultRootDirectory(binaries.MajorVersion));
        Directory.CreateDirectory(rootDirectory);
        if (ServerUser.IsRoot)
        {
            ServerUser.SetMode(rootDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            ServerUser.EnsureTraversable(rootDirectory);
        }

        using var fileLock = await AcquireLockAsync(Path.Combine(rootDirectory, ".lock"), cancellationToken).ConfigureAwait(false);
        var dataDirectory = Path.Combine(rootDirectory, "data");
        var passwordFile = Path.Combine(rootDirectory, PasswordFileName);
        var start = EmbeddedStart.Reused;

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")) || !File.Exists(passwordFile))
        {
            await InitializeAsync(binaries, rootDirectory, dataDirectory, passwordFile, logger, cancellationToken).ConfigureAwait(false);
            start = EmbeddedStart.Initialized;
        }

        var password = (await File.ReadAllTextAsync(passwordFile, cancellationToken).ConfigureAwait(false)).Trim();
        // A live postmaster owns the folder: starting another one can only fail, so on a loaded machine (seen at load
        // average 40, where 5 s was not enough) it is given as long to answer as a server that was just started.
        var port = ClusterProbe.ReadRunningPort(dataDirectory);
        if (port is not null && await CanConnectAsync(AdminConnectionStringFor(port.Value, password)).ConfigureAwait(false))
        {
            logger.LogDebug("Reusing the embedded PostgreSQL in {Directory} on port {Port}.", rootDirectory, port);
            return new EmbeddedPostgres(rootDirectory, port.Value, password, start, stopwatch.Elapsed);
        }

        port = await StartServerAsync(binaries, rootDirectory, dataDirectory, logger, cancellationToken).ConfigureAwait(false);
        if (!await ClusterProbe.CanConnectAsync(AdminConnectionStringFor(port.Value, password), ReadyTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"The embedded PostgreSQL in {rootDirectory} started but did not accept connections within {ReadyTimeout.TotalSeconds:0} s. See {LogFile(rootDirectory)}.");
        }

        if (start == EmbeddedStart.Reused)
        {
            start = EmbeddedStart.Started;
        }

        logger.LogInformation("Embedded PostgreSQL {Version} {Start} in {Directory} on 127.0.0.1:{Port} ({Elapsed} ms).", binaries.MajorVersion, start.ToString().ToLowerInvariant(), rootDirectory, port, (int)stopwatch.ElapsedMilliseconds);
        return new EmbeddedPostgres(rootDirectory, port.Value, password, start, stopwatch.Elapsed);

        Task<bool> CanConnectAsync(string connectionString) => adminFor is null
            ? ClusterProbe.CanConnectAsync(connectionString, ReadyTimeout, cancellationToken)
            : ClusterProbe.CanConnectAsync(adminFor(connectionString).OpenConnectionAsync, ReadyTimeout, cancellationToken);
    }

    /// <summary>Stops the cluster in <paramref name="rootDirectory"/> if it runs (fast shutdown, by the pid in its own pid file).</summary>
    public static async Task<bool> StopAsync(string rootDirectory, CancellationToken cancellationToken = default)
    {
        var dataDirectory = Path.Combine(rootDirectory, "data");
        if (ClusterProbe.ReadRunningPort(dataDirectory) is null)
        {
            return false;
        }

        var binaries = PostgresBinaries.Find();
        var result = await ServerUser.RunAsync(binaries.PgCtl, ["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60"], TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    /// <summary>Whether this process runs as root (the server then runs as <c>nobody</c>).</summary>
    public static bool IsRunningAsRoot => ServerUser.IsRoot;

    internal static bool IsRoot => ServerUser.IsRoot;

    private static async Task InitializeAsync(PostgresBinaries binaries, string rootDirectory, string dataDirectory, string passwordFile, ILogger logger, CancellationToken cancellationToken)
    {
        if (Directory.Exists(dataDirectory))
        {
            // A half-initialised folder from an interrupted initdb: ours (inside our cache), safe to redo.
            Directory.Delete(dataDirectory, recursive: true);
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(18)).ToLowerInvariant();
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken).ConfigureAwait(false);
        ServerUser.SetMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // initdb reads the password from a file; it runs as the server user, so hand it a copy it may read, then delete it.
        var initPasswordFile = Path.Combine(rootDirectory, $".initdb-{Environment.ProcessId}.pw");
        await File.WriteAllTextAsync(initPasswordFile, password, cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(dataDirectory);
            if (ServerUser.IsRoot)
            {
                await ServerUser.ChownAsync(dataDirectory, cancellationToken).ConfigureAwait(false);
                await ServerUser.ChownAsync(initPasswordFile, cancellationToken).ConfigureAwait(false);
            }

            ServerUser.SetMode(initPasswordFile, UnixFileMode.UserRead);
            ServerUser.SetMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var result = await ServerUser.RunAsync(
                binaries.InitDb,
                ["-D", dataDirectory, "-U", SuperUser, $"--pwfile={initPasswordFile}", "--auth-host=scram-sha-256", "--auth-local=peer", "-E", "UTF8", "--no-locale", "--no-sync"],
                TimeSpan.FromMinutes(3),
                cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"initdb failed (exit code {result.ExitCode}) in {dataDirectory}:{Environment.NewLine}{result.Output}");
            }
        }
        finally
        {
            File.Delete(initPasswordFile);
        }

        // Durability buys nothing for throwaway test data and costs most of the time of CREATE DATABASE.
        await File.AppendAllTextAsync(Path.Combine(dataDirectory, "postgresql.conf"), """

            # Neon.Testing.Sdk: tuned for tests, not for keeping data.
            listen_addresses = '127.0.0.1'
            unix_socket_directories = ''
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 300
            checkpoint_timeout = 30min
            max_wal_size = 4GB
            log_min_messages = warning
            """, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Initialised an embedded PostgreSQL {Version} cluster in {Directory}.", binaries.MajorVersion, dataDirectory);
    }

    private static async Task<int> StartServerAsync(PostgresBinaries binaries, string rootDirectory, string dataDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        var logFile = LogFile(rootDirectory);
        if (!Directory.Exists(Path.GetDirectoryName(logFile)))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
            if (ServerUser.IsRoot)
            {
                await ServerUser.ChownAsync(Path.GetDirectoryName(logFile)!, cancellationToken).ConfigureAwait(false);
            }
        }

        ProcessRunner.Result? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var port = ClusterProbe.FindFreePort();
            last = await ServerUser.RunAsync(
                binaries.PgCtl,
                ["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", ((int)ReadyTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", $"-p {port}"],
                ReadyTimeout + TimeSpan.FromSeconds(10),
                cancellationToken).ConfigureAwait(false);
            if (last.ExitCode == 0)
            {
                return port;
            }

            // Another program may have taken the port between our probe and the bind: try another one.
            logger.LogDebug("pg_ctl start failed on port {Port} (attempt {Attempt}): {Output}", port, attempt, last.Output);
        }

        var tail = File.Exists(logFile) ? string.Join(Environment.NewLine, File.ReadLines(logFile).TakeLast(15)) : "";
        throw new InvalidOperationException($"The embedded PostgreSQL in {dataDirectory} did not start: {last?.Output}{Environment.NewLine}{tail}");
    }

    internal static string AdminConnectionStringFor(int port, string password) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = SuperUser,
        Password = password,
        Database = "postgres",
        Pooling = false,
        // The embedded cluster serves neither TLS nor GSSAPI (listen on loopback only): asking for them costs every
        // connection a round trip, and the first one a load of the Kerberos libraries.
        SslMode = SslMode.Disable,
        GssEncryptionMode = GssEncryptionMode.Disable,
    }.ConnectionString;

    /// <summary>The server's log (written by the server user, hence in a folder of its own).</summary>
    internal static string LogFile(string rootDirectory) => Path.Combine(rootDirectory, "log", "server.log");

    private static Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken) =>
        ExclusiveFileLock.AcquireAsync(
            path,
            LockTimeout,
            TimeSpan.FromMilliseconds(50),
            $"Another process has held {path} for over {LockTimeout.TotalMinutes:0} minutes while starting the embedded PostgreSQL. If no test run is active, delete that file.",
            cancellationToken);
}
