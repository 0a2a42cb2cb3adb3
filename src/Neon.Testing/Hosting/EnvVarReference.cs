using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Neon.Testing.Hosting;

/// <summary>
/// Whether an assembly's code names an environment variable: a string literal equal to its name, as
/// <c>Environment.GetEnvironmentVariable("DATABASE_URL")</c> compiles to. Read from the file's metadata (its user
/// strings), without loading or running anything. A name built at run time, or read by another assembly, is not seen.
/// </summary>
internal static class EnvVarReference
{
    /// <summary>True when <paramref name="assembly"/>'s code holds the literal <paramref name="variable"/>; false when it cannot be read.</summary>
    public static bool IsIn(Assembly? assembly, string variable)
    {
        if (assembly is null || assembly.IsDynamic || string.IsNullOrEmpty(assembly.Location) || string.IsNullOrEmpty(variable))
        {
            return false;
        }

        try
        {
            using var stream = File.OpenRead(assembly.Location);
            using var image = new PEReader(stream);
            var metadata = image.GetMetadataReader();

            // The heap starts with an empty entry at offset 0; the first string is at offset 1.
            if (metadata.GetHeapSize(HeapIndex.UserString) <= 1)
            {
                return false;
            }

            for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = metadata.GetNextHandle(handle))
            {
                if (string.Equals(metadata.GetUserString(handle), variable, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException)
        {
            // A hint only: without it the session gives concurrent tests branches of their own, as before.
            return false;
        }

        return false;
    }
}
