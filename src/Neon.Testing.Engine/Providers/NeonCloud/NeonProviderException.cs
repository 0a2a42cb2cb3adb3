namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>A Neon API call or wait failed; the message names the branch or operation and holds no secret.</summary>
public sealed class NeonProviderException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NeonProviderException(string message, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status Neon answered with, when the failure was an API error.</summary>
    public int? StatusCode { get; }
}
