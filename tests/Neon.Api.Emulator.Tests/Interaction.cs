namespace Neon.Api.Emulator.Tests;

/// <summary>One recorded request and Neon's response to it.</summary>
internal sealed record Interaction(string Method, string Uri, int Status, string? Body);
