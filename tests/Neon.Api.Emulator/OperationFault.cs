namespace Neon.Api.Emulator;

/// <summary>What happens to a newly scheduled operation.</summary>
internal enum OperationFault
{
    /// <summary>Runs and finishes normally.</summary>
    None = 0,

    /// <summary>Runs for the usual time, then reports <c>failed</c> without doing its work.</summary>
    Fail,

    /// <summary>Stays <c>running</c> until the emulator stops; later operations on the branch queue behind it.</summary>
    Stall,
}
