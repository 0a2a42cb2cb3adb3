using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neon.Testing.Benchmarks;

/// <summary>The console table, the target checks, and artifacts/bench/isolation.json.</summary>
internal static class BenchReport
{
    /// <summary>The file: "scenarios" holds the four compared strategies; "extra" holds informational rows (ours as a non-superuser owner, a tuned re-clone).</summary>
    public sealed record Document(
        [property: JsonPropertyName("scenarios")] IReadOnlyList<Measurement> Scenarios,
        [property: JsonPropertyName("extra")] IReadOnlyList<Measurement> Extra,
        [property: JsonPropertyName("notes")] IReadOnlyList<string> Notes);

    public static string Table(IReadOnlyList<Measurement> results)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"scenario",-14} {"strategy",-13} {"median ms",10} {"p95 ms",10} {"iter",6}  {"verified",-8} {"median / ours",13}");
        text.AppendLine(new string('-', 80));
        foreach (var group in results.GroupBy(r => r.Scenario))
        {
            var ours = group.FirstOrDefault(r => r.Strategy == "ours");
            foreach (var row in group)
            {
                var ratio = ours is null || row.Strategy == "ours" || ours.MedianMs <= 0 ? "" : (row.MedianMs / ours.MedianMs).ToString("0.0", CultureInfo.InvariantCulture) + "x";
                text.AppendLine(CultureInfo.InvariantCulture, $"{row.Scenario,-14} {row.Strategy,-13} {row.MedianMs,10:0.000} {row.P95Ms,10:0.000} {row.Iterations,6}  {(row.Verified ? "yes" : "NO"),-8} {ratio,13}");
            }
        }

        return text.ToString();
    }

    /// <summary>The targets from the issue, each with its measured value; returns false when one is missed.</summary>
    public static (bool Met, string Text) Targets(IReadOnlyList<Measurement> results)
    {
        double Median(string scenario, string strategy) => results.FirstOrDefault(r => r.Scenario == scenario && r.Strategy == strategy)?.MedianMs ?? double.NaN;
        var checks = new List<(bool Ok, string Text)>();
        var clean = Median("clean", "ours");
        checks.Add((clean <= 0.3, $"clean: ours median {clean:0.000} ms <= 0.3 ms"));
        var two = Median("two_tables", "ours");
        checks.Add((two <= 3, $"two_tables: ours median {two:0.000} ms <= 3 ms"));
        var truncate = Median("two_tables", "truncate_all") / two;
        checks.Add((truncate >= 30, $"two_tables: truncate_all / ours = {truncate:0.0}x >= 30x"));
        var reclone = Median("two_tables", "reclone") / two;
        checks.Add((reclone >= 30, $"two_tables: reclone / ours = {reclone:0.0}x >= 30x"));
        var ddl = Median("ddl", "ours");
        var ddlReclone = Median("ddl", "reclone");
        checks.Add((ddl <= ddlReclone * 1.2, $"ddl: ours median {ddl:0.0} ms <= reclone {ddlReclone:0.0} ms + 20% ({ddl / ddlReclone * 100:0}% of reclone)"));
        checks.RemoveAll(c => double.IsNaN(ParseFirstNumber(c.Text)));
        checks.Add((results.All(r => r.Verified), "every iteration of every strategy left the database equal to its baseline"));

        var text = new StringBuilder();
        foreach (var (ok, line) in checks)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  [{(ok ? "met" : "MISSED")}] {line}");
        }

        return (checks.All(c => c.Ok), text.ToString());
    }

    private static double ParseFirstNumber(string text)
    {
        // A check whose scenario was not run (--only) reads NaN: leave it out rather than call it missed.
        return text.Contains("NaN", StringComparison.Ordinal) ? double.NaN : 0;
    }

    public static async Task WriteAsync(string path, IReadOnlyList<Measurement> results, IReadOnlyList<Measurement> extra, IReadOnlyList<string> notes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, new Document(results, extra, notes), new JsonSerializerOptions { WriteIndented = true });
    }
}
