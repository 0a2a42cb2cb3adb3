using Neon.Testing.Sdk.Tests.EndToEnd;

[assembly: DoNotParallelize]

namespace Neon.Testing.Sdk.Tests;

/// <summary>Deletes the end-to-end temp folder (projects and package cache) after the last test.</summary>
[TestClass]
public static class AssemblySetup
{
    [AssemblyCleanup]
    public static void DeleteTempFolders() => PackedSdk.DeleteAll();
}
