namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>Sits between our handlers and one the caller owns, so disposing the provider leaves the caller's handler alone.</summary>
internal sealed class LeaveOpenHandler : DelegatingHandler
{
    public LeaveOpenHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    protected override void Dispose(bool disposing)
    {
        // Deliberately not base.Dispose: that would dispose the caller's inner handler.
    }
}
