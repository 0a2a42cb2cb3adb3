using Microsoft.AspNetCore.Mvc.Testing;

namespace Library.Api.Tests;

/// <summary>The app on the one database named by ConnectionStrings__Library: what a suite without Neon.Testing hosts.</summary>
[TestClass]
public static class LibraryApp
{
    public static PlainFactory Factory { get; } = new();

    [AssemblyCleanup]
    public static async Task StopAsync() => await Factory.DisposeAsync();
}

public sealed class PlainFactory : WebApplicationFactory<Program>
{
    public WebApplicationFactory<Program> ForCurrentTest() => this;
}
