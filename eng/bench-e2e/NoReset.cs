namespace Library.Api.Tests;

/// <summary>No isolation: every test sees what the tests before it wrote.</summary>
public abstract class IsolationBase;
