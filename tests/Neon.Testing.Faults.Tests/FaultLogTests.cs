using System.Text.Json;

namespace Neon.Testing.Faults.Tests;

/// <summary>The record every fault case writes is what eng/faults.sh merges: one readable file per case.</summary>
[TestClass]
[TestCategory("CI")]
public sealed class FaultLogTests
{
    [TestMethod]
    public void RecordWritesOneFilePerCaseOnlyWhenAskedTo()
    {
        var folder = Directory.CreateTempSubdirectory("neon-faults-").FullName;
        var previous = Environment.GetEnvironmentVariable("NEON_FAULTS_OUT");
        try
        {
            Environment.SetEnvironmentVariable("NEON_FAULTS_OUT", null);
            FaultLog.Record("kills", "nothing written", passed: true, new Dictionary<string, object?>());
            Assert.IsEmpty(Directory.GetFiles(folder));

            Environment.SetEnvironmentVariable("NEON_FAULTS_OUT", folder);
            FaultLog.Record("kills", "mid migration/local", passed: false, new Dictionary<string, object?> { ["leftovers"] = 2 });
            var file = Assert.ContainsSingle(Directory.GetFiles(folder));
            Assert.AreEqual("kills.mid-migration-local.json", Path.GetFileName(file));
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            Assert.IsFalse(json.RootElement.GetProperty("passed").GetBoolean());
            Assert.AreEqual(2, json.RootElement.GetProperty("figures").GetProperty("leftovers").GetInt32());
        }
        finally
        {
            Environment.SetEnvironmentVariable("NEON_FAULTS_OUT", previous);
            Directory.Delete(folder, recursive: true);
        }
    }
}
