namespace Neon.Api.Emulator;

/// <summary>A request Neon would refuse; the pipeline answers it as <c>{"code":"...","message":"..."}</c>.</summary>
internal sealed class NeonApiException : Exception
{
    public NeonApiException(int statusCode, string message, string code = "")
        : base(message)
    {
        StatusCode = statusCode;
        Code = code;
    }

    public int StatusCode { get; }

    /// <summary>Neon's error code; the recorded errors carry an empty one.</summary>
    public string Code { get; }

    public static NeonApiException BadRequest(string message) => new(400, message);

    public static NeonApiException NotFound(string message) => new(404, message);

    public static NeonApiException Conflict(string message) => new(409, message);

    public static NeonApiException Unprocessable(string message) => new(422, message);
}
