using System.Globalization;
using System.Text.Json;

namespace Neon.Api.Tests;

/// <summary>Structural JSON comparison: same members and values, member order ignored, array order kept.</summary>
internal static class JsonShape
{
    /// <summary>Every difference between <paramref name="expected"/> and <paramref name="actual"/>, as JSON paths.</summary>
    public static IReadOnlyList<string> Differences(JsonElement expected, JsonElement actual)
    {
        var differences = new List<string>();
        Compare(expected, actual, "$", differences);
        return differences;
    }

    private static void Compare(JsonElement expected, JsonElement actual, string path, List<string> differences)
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            differences.Add($"{path}: expected {Describe(expected)}, got {Describe(actual)}");
            return;
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var actualMembers = actual.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
                foreach (var member in expected.EnumerateObject())
                {
                    if (actualMembers.Remove(member.Name, out var value))
                    {
                        Compare(member.Value, value, $"{path}.{member.Name}", differences);
                    }
                    else
                    {
                        differences.Add($"{path}.{member.Name}: lost");
                    }
                }

                differences.AddRange(actualMembers.Keys.Select(name => $"{path}.{name}: added, not in the original"));
                break;
            case JsonValueKind.Array:
                var expectedItems = expected.EnumerateArray().ToList();
                var actualItems = actual.EnumerateArray().ToList();
                if (expectedItems.Count != actualItems.Count)
                {
                    differences.Add($"{path}: expected {expectedItems.Count} items, got {actualItems.Count}");
                    return;
                }

                for (var i = 0; i < expectedItems.Count; i++)
                {
                    Compare(expectedItems[i], actualItems[i], $"{path}[{i}]", differences);
                }

                break;
            case JsonValueKind.Number:
                // 0.25 and 2.5E-1 are the same number; compare values, not spellings.
                if (!decimal.TryParse(expected.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                    || !decimal.TryParse(actual.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
                    || x != y)
                {
                    differences.Add($"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
                }

                break;
            case JsonValueKind.String:
                // Compared decoded: "\u002B" and "+" are the same text.
                if (expected.GetString() != actual.GetString())
                {
                    differences.Add($"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
                }

                break;
        }
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => element.GetRawText(),
    };
}
