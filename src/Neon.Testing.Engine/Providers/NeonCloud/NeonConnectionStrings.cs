using System.Globalization;
using Npgsql;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>Npgsql connection strings for a Neon endpoint: always TLS (<c>SSL Mode=Require</c>).</summary>
internal static class NeonConnectionStrings
{
    /// <summary>
    /// Builds <c>Host=...;Database=...;Username=...;Password=...;SSL Mode=Require</c>. A host of the form
    /// <c>name:port</c> (an emulator on a free port) sets the port; Neon itself always listens on 5432.
    /// </summary>
    public static string Build(string host, string database, string role, string password)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        ArgumentNullException.ThrowIfNull(password);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Database = database,
            Username = role,
            Password = password,
            SslMode = SslMode.Require,
        };
        var colon = host.LastIndexOf(':');
        if (colon > 0 && host.IndexOf(':') == colon
            && int.TryParse(host.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
        {
            builder.Host = host[..colon];
            builder.Port = port;
        }

        return builder.ConnectionString;
    }
}
