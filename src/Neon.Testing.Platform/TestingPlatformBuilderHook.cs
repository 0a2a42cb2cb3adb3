using Microsoft.Testing.Platform.Builder;

namespace Neon.Testing.Platform;

/// <summary>Entry point the generated <c>Main</c> calls for every <c>TestingPlatformBuilderHook</c> item.</summary>
public static class TestingPlatformBuilderHook
{
    /// <summary>Adds the Neon.Testing extension to <paramref name="testApplicationBuilder"/>.</summary>
    public static void AddExtensions(ITestApplicationBuilder testApplicationBuilder, string[] args)
    {
        testApplicationBuilder.AddNeonTesting();
        SessionPrestart.Begin(args);
    }
}
