using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Neon.Api.Emulator;

/// <summary><c>/projects/{project_id}/connection_uri</c>: getConnectionURI, a URI that really connects to the branch.</summary>
internal static class ConnectionRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/projects/{project_id}/connection_uri", GetConnectionUri).WithName("getConnectionURI");
    }

    private static IResult GetConnectionUri(
        [FromRoute(Name = "project_id")] string projectId,
        EmulatorCore core,
        [FromQuery(Name = "branch_id")] string? branchId,
        [FromQuery(Name = "endpoint_id")] string? endpointId,
        [FromQuery(Name = "database_name")] string? databaseName,
        [FromQuery(Name = "role_name")] string? roleName,
        [FromQuery(Name = "pooled")] string? pooled)
    {
        if (string.IsNullOrEmpty(databaseName))
        {
            throw NeonApiException.BadRequest("invalid request: query: database_name: field required");
        }

        if (string.IsNullOrEmpty(roleName))
        {
            throw NeonApiException.BadRequest("invalid request: query: role_name: field required");
        }

        // The pooler is not emulated: a pooled URI reaches the same endpoint.
        if (pooled is not null && !bool.TryParse(pooled, out _))
        {
            throw NeonApiException.BadRequest($"invalid request: query: pooled: invalid boolean: {pooled}");
        }

        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            var branch = core.RequireBranch(string.IsNullOrEmpty(branchId) ? core.State.DefaultBranchId : branchId);
            EndpointRecord endpoint;
            if (string.IsNullOrEmpty(endpointId))
            {
                endpoint = core.State.EndpointsOf(branch.Id).FirstOrDefault(e => !e.IsReadOnly)
                    ?? throw NeonApiException.NotFound($"branch {branch.Id} has no read_write endpoint");
            }
            else
            {
                endpoint = core.RequireEndpoint(endpointId);
                if (endpoint.BranchId != branch.Id)
                {
                    throw NeonApiException.BadRequest($"endpoint {endpointId} does not belong to branch {branch.Id}");
                }
            }

            if (databaseName != EmulatorState.DatabaseName)
            {
                throw NeonApiException.NotFound($"database {databaseName} not found");
            }

            if (roleName != EmulatorState.RoleName)
            {
                throw NeonApiException.NotFound($"role {roleName} not found");
            }

            return NeonResults.Json(new JsonObject { ["uri"] = NeonJson.ConnectionUri(core.State, endpoint, databaseName, roleName) });
        }
    }
}
