using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Neon.Testing.EntityFrameworkCore;

/// <summary>
/// A hash of the build a context comes from, read without loading or running anything: the module version id of its
/// assembly and of every assembly it reaches that sits beside it (the app, its libraries, EF Core and the provider as
/// NuGet deploys them), the runtime, the <c>appsettings*.json</c> files there and the environment names a design-time
/// factory may read. Same identity, same model and migrations: the key under which <see cref="ModelFingerprintMemo"/>
/// remembers the fingerprint that building the model produced. Holds no path, so an identical build elsewhere matches.
/// </summary>
internal static class BuildIdentity
{
    private const string Version = "1";

    /// <summary>The identity, or <see langword="null"/> when the assembly has no file to read (single-file or in-memory).</summary>
    public static string? Of(Type contextType, string? construction) =>
        Of(contextType.Assembly.Location, contextType.AssemblyQualifiedName, construction);

    /// <summary>The identity of the build whose context assembly is at <paramref name="location"/>.</summary>
    internal static string? Of(string location, string? contextName, string? construction)
    {
        if (string.IsNullOrEmpty(location) || !File.Exists(location))
        {
            return null;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string? text)
        {
            var bytes = Encoding.UTF8.GetBytes(text ?? "\0");
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }

        Add(Version);
        Add(contextName);
        Add(construction);
        Add(typeof(BuildIdentity).Module.ModuleVersionId.ToString("N"));  // how this library computes the fingerprint
        Add(RuntimeInformation.FrameworkDescription);
        Add(Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT"));
        Add(Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT"));

        var directory = Path.GetDirectoryName(location)!;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Path.GetFileNameWithoutExtension(location) };
        var queue = new Queue<string>([location]);
        while (queue.TryDequeue(out var path))
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                continue;
            }

            var metadata = pe.GetMetadataReader();
            Add(Path.GetFileName(path));
            Add(metadata.GetGuid(metadata.GetModuleDefinition().Mvid).ToString("N"));
            foreach (var handle in metadata.AssemblyReferences)
            {
                var name = metadata.GetString(metadata.GetAssemblyReference(handle).Name);
                var file = Path.Combine(directory, name + ".dll");
                if (seen.Add(name) && File.Exists(file))
                {
                    queue.Enqueue(file);
                }
            }
        }

        foreach (var file in Directory.EnumerateFiles(directory, "appsettings*.json").Order(StringComparer.Ordinal))
        {
            Add(Path.GetFileName(file));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
