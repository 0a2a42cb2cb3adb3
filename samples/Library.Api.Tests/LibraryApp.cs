using Neon.Testing.AspNetCore;

namespace Library.Api.Tests;

/// <summary>The app under test, hosted once per database by <see cref="NeonWebApplicationFactory{TEntryPoint}.ForCurrentTest"/>.</summary>
[TestClass]
public static class LibraryApp
{
    public static NeonWebApplicationFactory<Program> Factory { get; } = new();

    [AssemblyCleanup]
    public static async Task StopAsync() => await Factory.DisposeAsync();
}
