using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Neon.Api.Emulator;

/// <summary>
/// <c>/projects/{project_id}/branches</c>: createProjectBranch, listProjectBranches, getProjectBranch,
/// updateProjectBranch, deleteProjectBranch, restoreProjectBranch.
/// </summary>
internal static partial class BranchRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/projects/{project_id}/branches", CreateAsync).WithName("createProjectBranch");
        api.MapGet("/projects/{project_id}/branches", List).WithName("listProjectBranches");
        api.MapGet("/projects/{project_id}/branches/{branch_id}", Get).WithName("getProjectBranch");
        api.MapPatch("/projects/{project_id}/branches/{branch_id}", UpdateAsync).WithName("updateProjectBranch");
        api.MapDelete("/projects/{project_id}/branches/{branch_id}", Delete).WithName("deleteProjectBranch");
        api.MapPost("/projects/{project_id}/branches/{branch_id}/restore", RestoreAsync).WithName("restoreProjectBranch");
    }

    private static async Task<IResult> CreateAsync([FromRoute(Name = "project_id")] string projectId, HttpRequest request, EmulatorCore core, CancellationToken cancellationToken)
    {
        var body = await RequestJson.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        var branchJson = RequestJson.Object(body, "branch", "branch");
        var parentId = RequestJson.Id(branchJson, "parent_id", "branch.parent_id");
        var name = RequestJson.String(branchJson, "name", "branch.name");
        var expiresText = RequestJson.String(branchJson, "expires_at", "branch.expires_at");
        var annotation = RequestJson.Object(body, "annotation_value", "annotation_value");
        if (branchJson?["parent_lsn"] is not null || branchJson?["parent_timestamp"] is not null)
        {
            throw NeonApiException.BadRequest("emulator: branching from a past point (parent_lsn, parent_timestamp) is not supported");
        }

        if (RequestJson.Boolean(branchJson, "protected", "branch.protected") == true || RequestJson.Boolean(branchJson, "archived", "branch.archived") == true)
        {
            throw NeonApiException.BadRequest("emulator: protected and archived branches are not supported");
        }

        if (RequestJson.String(branchJson, "init_source", "branch.init_source") is { } initSource && initSource != "parent-data")
        {
            throw NeonApiException.BadRequest($"emulator: init_source '{initSource}' is not supported (only parent-data)");
        }

        var types = new List<string>();
        var endpoints = RequestJson.Array(body, "endpoints", "endpoints") ?? [];
        for (var i = 0; i < endpoints.Count; i++)
        {
            var item = endpoints[i] as JsonObject ?? throw RequestJson.Invalid($"invalid: endpoints[{i}] (expected an object)");
            types.Add(RequestJson.EndpointType(item, $"endpoints[{i}].type"));
        }

        if (types.Count(t => t == EndpointRecord.ReadWrite) > 1)
        {
            throw NeonApiException.BadRequest("a branch can have only one read_write endpoint");
        }

        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            var parent = parentId is null
                ? core.State.Branches[core.State.DefaultBranchId]
                : core.State.Branches.GetValueOrDefault(parentId) ?? throw NeonApiException.NotFound($"parent branch {parentId} not found");
            var expiresAt = ParseExpiry(expiresText, parent, core);
            if (core.Options.RefuseChildrenOfExpiringBranches && parent.ExpiresAt is not null)
            {
                throw NeonApiException.BadRequest($"cannot create a child of branch {parent.Id}: it has an expiration time");
            }

            var (branch, operations) = core.CreateBranch(parent, name, expiresAt, annotation);
            var created = types.Select(t => core.CreateEndpoint(branch, t)).ToList();
            operations.AddRange(created.Select(c => c.Operation));
            var state = core.State;
            var response = new JsonObject
            {
                ["branch"] = NeonJson.Branch(state, branch),
                ["endpoints"] = NeonJson.Array(created.Select(c => NeonJson.Endpoint(state, c.Endpoint, withLastActive: false))),
                ["operations"] = NeonJson.Array(operations.Select(o => NeonJson.Operation(state, o))),
                ["roles"] = new JsonArray(NeonJson.Role(branch)),
                ["databases"] = new JsonArray(NeonJson.Database(branch)),
            };
            if (created.Count > 0)
            {
                var primary = created.Select(c => c.Endpoint).OrderBy(e => e.IsReadOnly).First();
                response["connection_uris"] = new JsonArray(NeonJson.ConnectionDetails(state, primary));
            }

            return NeonResults.Json(response, StatusCodes.Status201Created);
        }
    }

    private static IResult List(
        [FromRoute(Name = "project_id")] string projectId,
        EmulatorCore core,
        [FromQuery(Name = "search")] string? search,
        [FromQuery(Name = "sort_by")] string? sortBy,
        [FromQuery(Name = "sort_order")] string? sortOrder,
        [FromQuery(Name = "limit")] string? limitText,
        [FromQuery(Name = "cursor")] string? cursor)
    {
        sortBy ??= "updated_at";
        sortOrder ??= "desc";
        if (sortBy is not ("name" or "created_at" or "updated_at"))
        {
            throw NeonApiException.BadRequest($"invalid request: query: sort_by: invalid value: {sortBy}");
        }

        if (sortOrder is not ("asc" or "desc"))
        {
            throw NeonApiException.BadRequest($"invalid request: query: sort_order: invalid value: {sortOrder}");
        }

        var limit = ParseLimit(limitText, 10_000);
        var offset = ParseCursor(cursor);
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            IEnumerable<BranchRecord> branches = core.State.Branches.Values;
            if (!string.IsNullOrEmpty(search))
            {
                branches = branches.Where(b => b.Name.Contains(search, StringComparison.OrdinalIgnoreCase) || b.Id.Contains(search, StringComparison.OrdinalIgnoreCase));
            }

            Func<BranchRecord, object> key = sortBy switch
            {
                "name" => b => b.Name,
                "created_at" => b => b.CreatedAt,
                _ => b => b.UpdatedAt,
            };
            var ordered = (sortOrder == "asc" ? branches.OrderBy(key) : branches.OrderByDescending(key)).ThenBy(b => b.Id, StringComparer.Ordinal).ToList();
            var page = ordered.Skip(offset).Take(limit ?? int.MaxValue).ToList();
            var pagination = new JsonObject();
            if (page.Count > 0)
            {
                pagination["next"] = Cursor(offset + page.Count);
            }

            pagination["sort_by"] = sortBy;
            pagination["sort_order"] = sortOrder.ToUpperInvariant();
            return NeonResults.Json(new JsonObject
            {
                ["branches"] = NeonJson.Array(page.Select(b => NeonJson.Branch(core.State, b))),
                ["annotations"] = Annotations(page),
                ["pagination"] = pagination,
            });
        }
    }

    /// <summary>The list's <c>annotations</c> map: branch id to its annotation, for the listed branches that carry one.</summary>
    private static JsonObject Annotations(IEnumerable<BranchRecord> branches)
    {
        var map = new JsonObject();
        foreach (var branch in branches.Where(b => b.AnnotationValue is { Count: > 0 }))
        {
            map[branch.Id] = NeonJson.Annotation(branch);
        }

        return map;
    }

    private static IResult Get([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "branch_id")] string branchId, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            var branch = core.RequireBranch(branchId);
            return NeonResults.Json(new JsonObject
            {
                ["branch"] = NeonJson.Branch(core.State, branch),
                ["annotation"] = NeonJson.Annotation(branch),
            });
        }
    }

    /// <summary>Renames a branch and sets or clears its expiry; Neon answers with the branch and no operations.</summary>
    private static async Task<IResult> UpdateAsync([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "branch_id")] string branchId, HttpRequest request, EmulatorCore core, CancellationToken cancellationToken)
    {
        var body = await RequestJson.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        var branchJson = RequestJson.Object(body, "branch", "branch") ?? throw RequestJson.Missing("branch");
        var name = RequestJson.String(branchJson, "name", "branch.name");
        var expiresText = RequestJson.String(branchJson, "expires_at", "branch.expires_at");
        if (RequestJson.Boolean(branchJson, "protected", "branch.protected") == true)
        {
            throw NeonApiException.BadRequest("emulator: protected branches are not supported");
        }

        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            var branch = core.RequireBranch(branchId);
            if (expiresText is not null)
            {
                var parent = branch.ParentId is null ? null : core.State.Branches.GetValueOrDefault(branch.ParentId);
                if (branch.IsDefault || parent is null)
                {
                    throw NeonApiException.BadRequest("cannot set expires_at on the default or root branch");
                }

                if (core.State.ChildrenOf(branchId).Any())
                {
                    throw NeonApiException.BadRequest($"cannot set expires_at: branch {branchId} has children");
                }

                branch.ExpiresAt = ParseExpiry(expiresText, parent, core);
            }

            if (!string.IsNullOrEmpty(name))
            {
                branch.Name = name;
            }

            branch.UpdatedAt = core.Now;
            return NeonResults.Json(new JsonObject
            {
                ["branch"] = NeonJson.Branch(core.State, branch),
                ["operations"] = new JsonArray(),
            });
        }
    }

    private static IResult Delete([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "branch_id")] string branchId, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            if (!core.State.Branches.TryGetValue(branchId, out var branch))
            {
                // The spec: 204 "if the branch doesn't exist or has already been deleted".
                return Results.NoContent();
            }

            var operations = core.DeleteBranch(branch);
            return NeonResults.Json(new JsonObject
            {
                ["branch"] = NeonJson.Branch(core.State, branch),
                ["operations"] = NeonJson.Array(operations.Select(o => NeonJson.Operation(core.State, o))),
            });
        }
    }

    private static async Task<IResult> RestoreAsync([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "branch_id")] string branchId, HttpRequest request, EmulatorCore core, CancellationToken cancellationToken)
    {
        var body = await RequestJson.ReadAsync(request, cancellationToken).ConfigureAwait(false) ?? throw RequestJson.Invalid("request body is required");
        var sourceId = RequestJson.Id(body, "source_branch_id", "source_branch_id") ?? throw RequestJson.Missing("source_branch_id");
        var preserveUnderName = RequestJson.String(body, "preserve_under_name", "preserve_under_name");
        var pointInTime = body["source_lsn"] is not null || body["source_timestamp"] is not null;
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            var branch = core.RequireBranch(branchId);
            var source = core.State.Branches.GetValueOrDefault(sourceId) ?? throw NeonApiException.NotFound($"source branch {sourceId} not found");
            if (sourceId == branchId && !pointInTime)
            {
                throw NeonApiException.BadRequest("source_timestamp or source_lsn is required when restoring a branch from itself");
            }

            if (pointInTime)
            {
                throw NeonApiException.BadRequest("emulator: restoring to a past point (source_lsn, source_timestamp) is not supported; restore to the source's head");
            }

            if (string.IsNullOrEmpty(preserveUnderName) && core.State.ChildrenOf(branchId).Any())
            {
                throw NeonApiException.BadRequest($"branch {branchId} has children: preserve_under_name is required");
            }

            var operations = core.RestoreBranch(branch, source, string.IsNullOrEmpty(preserveUnderName) ? null : preserveUnderName);
            return NeonResults.Json(new JsonObject
            {
                ["branch"] = NeonJson.Branch(core.State, branch),
                ["operations"] = NeonJson.Array(operations.Select(o => NeonJson.Operation(core.State, o))),
            });
        }
    }

    /// <summary>RFC 3339 with a time zone, in the future, at most 30 days ahead, and never under an expiring parent.</summary>
    private static DateTimeOffset? ParseExpiry(string? text, BranchRecord parent, EmulatorCore core)
    {
        if (text is null)
        {
            return null;
        }

        if (!Rfc3339().IsMatch(text) || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var expiresAt))
        {
            throw RequestJson.Invalid($"invalid: branch.expires_at (expected an RFC 3339 date-time with a time zone, got '{text}')");
        }

        expiresAt = expiresAt.ToUniversalTime();
        expiresAt = expiresAt.AddTicks(-(expiresAt.Ticks % TimeSpan.TicksPerSecond));
        var now = core.Now;
        if (expiresAt <= now)
        {
            throw NeonApiException.BadRequest("expires_at must be in the future");
        }

        if (expiresAt > now + EmulatorCore.MaxExpiry)
        {
            throw NeonApiException.BadRequest("expires_at must be at most 30 days in the future");
        }

        if (parent.ExpiresAt is not null)
        {
            throw NeonApiException.BadRequest($"cannot set expires_at: parent branch {parent.Id} has an expiration time");
        }

        return expiresAt;
    }

    internal static int? ParseLimit(string? text, int maximum)
    {
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1 && limit <= maximum
            ? limit
            : throw NeonApiException.BadRequest($"invalid request: query: limit: value must be an integer from 1 to {maximum}");
    }

    private static string Cursor(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"offset\":{offset}}}"));

    private static int ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return 0;
        }

        try
        {
            var json = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(cursor)));
            return json?["offset"]?.GetValue<int>() ?? throw new FormatException();
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw NeonApiException.BadRequest("invalid request: query: cursor: invalid cursor");
        }
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();
}
