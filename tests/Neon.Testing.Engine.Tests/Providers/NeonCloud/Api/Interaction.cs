namespace Neon.Api.Tests;

/// <summary>One recorded request and the response Neon gave to it.</summary>
internal sealed record Interaction(int Index, string Method, Uri Uri, string? RequestBody, int Status, string? ContentType, string? ResponseBody)
{
    public static Interaction From(object? node, int index)
    {
        var map = node as IReadOnlyDictionary<string, object?> ?? throw new FormatException($"interaction {index}: not a mapping.");
        var request = Map(map, "request", index);
        var response = Map(map, "response", index);
        var status = Map(response, "status", index);
        var headers = response.GetValueOrDefault("headers") as IReadOnlyDictionary<string, object?>;
        var contentType = headers?.FirstOrDefault(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value switch
        {
            IReadOnlyList<object?> values => values.FirstOrDefault() as string,
            string value => value,
            _ => null,
        };
        var body = response.GetValueOrDefault("body") switch
        {
            IReadOnlyDictionary<string, object?> b => b.GetValueOrDefault("string") as string,
            string s => s,
            _ => null,
        };
        return new Interaction(
            index,
            (string)request["method"]!,
            new Uri((string)request["uri"]!),
            request.GetValueOrDefault("body") as string,
            int.Parse((string)status["code"]!, System.Globalization.CultureInfo.InvariantCulture),
            contentType,
            body);
    }

    public override string ToString() => $"#{Index} {Method} {Uri.PathAndQuery} -> {Status}";

    private static IReadOnlyDictionary<string, object?> Map(IReadOnlyDictionary<string, object?> parent, string key, int index) =>
        parent.GetValueOrDefault(key) as IReadOnlyDictionary<string, object?> ?? throw new FormatException($"interaction {index}: no '{key}' mapping.");
}
