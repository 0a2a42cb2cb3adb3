using System.Text.Json.Serialization;

namespace Neon.Testing.Benchmarks;

/// <summary>One row of the result: a strategy's isolation-step timings in one scenario.</summary>
internal sealed record Measurement(
    [property: JsonPropertyName("scenario")] string Scenario,
    [property: JsonPropertyName("strategy")] string Strategy,
    [property: JsonPropertyName("median_ms")] double MedianMs,
    [property: JsonPropertyName("p95_ms")] double P95Ms,
    [property: JsonPropertyName("iterations")] int Iterations,
    [property: JsonPropertyName("verified")] bool Verified,
    [property: JsonPropertyName("leaks")] int Leaks = 0)
{
    /// <summary>Round trips of one reset and its median at the injected latency (the latency runs only).</summary>
    [JsonPropertyName("round_trips")]
    public double? RoundTrips { get; init; }

    public static Measurement From(Scenario scenario, string strategy, List<double> samples, bool verified, int leaks = 0)
    {
        samples.Sort();
        return new Measurement(
            BenchSchema.Name(scenario),
            strategy,
            Math.Round(Percentile(samples, 0.50), 3),
            Math.Round(Percentile(samples, 0.95), 3),
            samples.Count,
            verified,
            leaks);
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    private static double Percentile(List<double> sorted, double p)
        => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
