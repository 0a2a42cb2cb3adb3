namespace Neon.Api.Tests;

/// <summary>The recorded interactions that went to an operation Neon.Api was generated for.</summary>
internal static class RecordedResponses
{
    private static readonly Lazy<IReadOnlyList<(Cassette Cassette, Interaction Interaction, string OperationId, IReadOnlyDictionary<string, string> Path)>> All = new(() =>
        Cassette.LoadAll()
            .SelectMany(cassette => cassette.Interactions.Select(interaction => (cassette, interaction, match: OpenApiRoutes.Published.Match(interaction.Method, RelativePath(interaction.Uri)))))
            .Where(x => x.match is { } m && OpenApiRoutes.Generated.Contains(m.OperationId))
            .Select(x => (x.cassette, x.interaction, x.match!.Value.OperationId, x.match.Value.Parameters))
            .ToList());

    public static IReadOnlyList<(Cassette Cassette, Interaction Interaction, string OperationId, IReadOnlyDictionary<string, string> Path)> Ours => All.Value;

    /// <summary>The path below the API root, e.g. <c>projects/x/branches</c>.</summary>
    public static string RelativePath(Uri uri)
    {
        const string root = "/api/v2/";
        var path = uri.AbsolutePath;
        return path.StartsWith(root, StringComparison.Ordinal) ? path[root.Length..] : throw new FormatException($"{uri} is not below {root}.");
    }
}
