using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

/// <summary>Counts the connections EF opens: zero proves EF never touched a database.</summary>
public sealed class ConnectionCounter : DbConnectionInterceptor
{
    private static int _opened;

    public static ConnectionCounter Instance { get; } = new();

    public static int Opened => Volatile.Read(ref _opened);

    public static void Reset() => Interlocked.Exchange(ref _opened, 0);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Interlocked.Increment(ref _opened);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _opened);
        return Task.CompletedTask;
    }
}
