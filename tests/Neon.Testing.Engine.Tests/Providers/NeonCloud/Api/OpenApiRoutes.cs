using System.Text.Json;
using System.Text.RegularExpressions;

namespace Neon.Api.Tests;

/// <summary>Maps a recorded request to the operationId that served it, using the full published document.</summary>
internal sealed class OpenApiRoutes
{
    private readonly List<Route> _routes = [];

    private OpenApiRoutes(string specPath)
    {
        using var spec = JsonDocument.Parse(File.ReadAllBytes(specPath));
        foreach (var path in spec.RootElement.GetProperty("paths").EnumerateObject())
        {
            var pattern = "^" + Regex.Replace(Regex.Escape(path.Name.TrimStart('/')), @"\\\{(\w+)}", "(?<$1>[^/]+)") + "$";
            var literals = path.Name.Split('/').Count(segment => segment.Length > 0 && !segment.StartsWith('{'));
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("operationId", out var id))
                {
                    _routes.Add(new Route(operation.Name.ToUpperInvariant(), new Regex(pattern, RegexOptions.CultureInvariant), literals, id.GetString()!));
                }
            }
        }
    }

    /// <summary>Every operation of the published Neon API v2 document.</summary>
    public static OpenApiRoutes Published { get; } = new(Path.Combine(SharedData.NeonApi, "v2.json"));

    /// <summary>The operationIds Neon.Api was generated for, read from its trimmed document.</summary>
    public static IReadOnlySet<string> Generated { get; } = new OpenApiRoutes(
        Path.Combine(SharedData.RepositoryRoot(), "src", "Neon.Testing.Engine", "Providers", "NeonCloud", "Api", "Generated", "neon-api-v2.trimmed.json"))._routes.Select(r => r.OperationId).ToHashSet();

    /// <summary>The operation a request went to, and its path parameters; <see langword="null"/> when none fits.</summary>
    public (string OperationId, IReadOnlyDictionary<string, string> Parameters)? Match(string method, string relativePath)
    {
        // "/projects/shared" is its own operation, not getProject with id "shared": literals win.
        foreach (var route in _routes.Where(r => r.Method == method).OrderByDescending(r => r.Literals))
        {
            var match = route.Pattern.Match(relativePath);
            if (match.Success)
            {
                var parameters = route.Pattern.GetGroupNames().Where(name => !int.TryParse(name, out _))
                    .ToDictionary(name => name, name => Uri.UnescapeDataString(match.Groups[name].Value), StringComparer.Ordinal);
                return (route.OperationId, parameters);
            }
        }

        return null;
    }

    private sealed record Route(string Method, Regex Pattern, int Literals, string OperationId);
}
