using System.Security.Cryptography;
using System.Text;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Migrations;
using Neon.Testing.EntityFrameworkCore.Tests.Models;

namespace Neon.Testing.EntityFrameworkCore.Tests;

/// <summary>The EF fingerprint remembered per build: a later process of the same build skips building the model.</summary>
[TestClass]
public sealed class ModelFingerprintMemoTests
{
    private string _folder = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("neon-ef-memo-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private DbContextMigrationSource Source<TContext>() =>
        new(typeof(TContext), new NeonTestingOptions()) { Memo = new ModelFingerprintMemo(_folder) };

    [TestMethod]
    public async Task Fingerprint_IsTheModelsDigest_RememberedForTheBuild_AndReadBackWithoutTheModel()
    {
        var source = Source<BlogContext>();
        var computed = await source.ComputeFingerprintAsync(TestContext.CancellationToken);

        var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(source.ComputeModelFingerprint()))).ToLowerInvariant();
        Assert.AreEqual("ef-model-sha256:" + digest, computed);
        var memo = Assert.ContainsSingle(Directory.GetFiles(_folder));
        Assert.AreEqual(digest, File.ReadAllText(memo));

        // What a later process reads is the memo, not the model: a planted digest comes back as it is.
        var planted = new string('a', 64);
        File.WriteAllText(memo, planted);
        Assert.AreEqual("ef-model-sha256:" + planted, await Source<BlogContext>().ComputeFingerprintAsync(TestContext.CancellationToken));

        // A torn or foreign file is ignored and the model decides again.
        File.WriteAllText(memo, "not a digest");
        Assert.AreEqual(computed, await Source<BlogContext>().ComputeFingerprintAsync(TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task AModelWithChangesNoMigrationCovers_FailsAndIsNeverRemembered()
    {
        await Assert.ThrowsExactlyAsync<MigrationFailedException>(async () => await Source<DriftedContext>().ComputeFingerprintAsync(TestContext.CancellationToken));
        Assert.IsEmpty(Directory.GetFiles(_folder), "a failed check leaves no memo, so every run fails until a migration is added");
        await Assert.ThrowsExactlyAsync<MigrationFailedException>(async () => await Source<DriftedContext>().ComputeFingerprintAsync(TestContext.CancellationToken));
    }

    [TestMethod]
    public void BuildIdentity_DependsOnTheBytesAndTheContext_NotOnWhereTheBuildLies()
    {
        var location = typeof(BlogContext).Assembly.Location;
        var here = BuildIdentity.Of(location, typeof(BlogContext).AssemblyQualifiedName, "ctor");
        Assert.IsNotNull(here);
        Assert.AreEqual(here, BuildIdentity.Of(location, typeof(BlogContext).AssemblyQualifiedName, "ctor"));
        Assert.AreNotEqual(here, BuildIdentity.Of(location, typeof(ShopContext).AssemblyQualifiedName, "ctor"), "another context");

        // The same build copied elsewhere (a fresh clone): the same identity.
        var copy = Path.Combine(_folder, "elsewhere", "bin");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(location)!).Where(f => f.EndsWith(".dll", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("appsettings", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var copied = Path.Combine(copy, Path.GetFileName(location));
        Assert.AreEqual(here, BuildIdentity.Of(copied, typeof(BlogContext).AssemblyQualifiedName, "ctor"));

        // A library the context's assembly reaches, changed: another identity (its module version id is read).
        var referenced = Path.Combine(copy, "Neon.Testing.EntityFrameworkCore.dll");
        Assert.IsTrue(File.Exists(referenced));
        File.Copy(typeof(Sql).Assembly.Location, referenced, overwrite: true);
        Assert.AreNotEqual(here, BuildIdentity.Of(copied, typeof(BlogContext).AssemblyQualifiedName, "ctor"));
    }

    [TestMethod]
    public void Versions_LeaveOutTheCommit_SoAnotherRevisionOfTheSameVersionReusesTheTemplate()
    {
        var informational = typeof(DbContextMigrationSource).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        var version = DbContextMigrationSource.VersionOf(typeof(DbContextMigrationSource).Assembly);
        Assert.DoesNotContain("+", version);
        Assert.StartsWith(version, informational);
        Assert.Contains($"\n{version}\n", Source<BlogContext>().ComputeModelFingerprint().ReplaceLineEndings("\n"));
    }
}
