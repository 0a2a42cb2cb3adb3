namespace Neon.Api.Emulator;

/// <summary>A connection the endpoint refuses; the proxy tells the client with a FATAL ErrorResponse.</summary>
internal sealed class PostgresRefusalException(string sqlState, string message) : Exception(message)
{
    public string SqlState { get; } = sqlState;
}
