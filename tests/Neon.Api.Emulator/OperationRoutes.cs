using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Neon.Api.Emulator;

/// <summary><c>/projects/{project_id}/operations</c>: listProjectOperations (newest first, cursor-paged), getProjectOperation.</summary>
internal static class OperationRoutes
{
    private const int DefaultLimit = 10;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/projects/{project_id}/operations", List).WithName("listProjectOperations");
        api.MapGet("/projects/{project_id}/operations/{operation_id}", Get).WithName("getProjectOperation");
    }

    private static IResult List([FromRoute(Name = "project_id")] string projectId, EmulatorCore core, [FromQuery(Name = "limit")] string? limitText, [FromQuery(Name = "cursor")] string? cursor)
    {
        var limit = BranchRoutes.ParseLimit(limitText, 1000) ?? DefaultLimit;
        var skip = 0;
        if (!string.IsNullOrEmpty(cursor) && (!int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out skip) || skip < 0))
        {
            throw NeonApiException.BadRequest("invalid request: query: cursor: invalid cursor");
        }

        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            var page = Enumerable.Reverse(core.State.Operations).Skip(skip).Take(limit).ToList();
            var response = new JsonObject { ["operations"] = NeonJson.Array(page.Select(o => NeonJson.Operation(core.State, o))) };
            if (page.Count > 0)
            {
                response["pagination"] = new JsonObject { ["cursor"] = (skip + page.Count).ToString(CultureInfo.InvariantCulture) };
            }

            return NeonResults.Json(response);
        }
    }

    private static IResult Get([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "operation_id")] string operationId, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            var operation = Guid.TryParse(operationId, out var id) ? core.State.Operations.Find(o => o.Id == id) : null;
            return operation is null
                ? throw NeonApiException.NotFound("operation not found")
                : NeonResults.Json(new JsonObject { ["operation"] = NeonJson.Operation(core.State, operation) });
        }
    }
}
