namespace Neon.Testing.Hosting;

/// <summary>
/// Marks an assembly attribute of a framework adapter that brackets each test itself (NUnit, xUnit):
/// the Microsoft.Testing.Platform extension then leaves per-test work to it and keeps only the session.
/// </summary>
public interface IBracketsTests;
