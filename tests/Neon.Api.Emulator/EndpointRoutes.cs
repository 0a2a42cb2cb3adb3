using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Neon.Api.Emulator;

/// <summary>
/// Compute endpoints: createProjectEndpoint, listProjectEndpoints, getProjectEndpoint,
/// deleteProjectEndpoint, listProjectBranchEndpoints.
/// </summary>
internal static class EndpointRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/projects/{project_id}/endpoints", CreateAsync).WithName("createProjectEndpoint");
        api.MapGet("/projects/{project_id}/endpoints", List).WithName("listProjectEndpoints");
        api.MapGet("/projects/{project_id}/endpoints/{endpoint_id}", Get).WithName("getProjectEndpoint");
        api.MapDelete("/projects/{project_id}/endpoints/{endpoint_id}", Delete).WithName("deleteProjectEndpoint");
        api.MapGet("/projects/{project_id}/branches/{branch_id}/endpoints", ListForBranch).WithName("listProjectBranchEndpoints");
    }

    private static async Task<IResult> CreateAsync([FromRoute(Name = "project_id")] string projectId, HttpRequest request, EmulatorCore core, CancellationToken cancellationToken)
    {
        var body = await RequestJson.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        var endpointJson = RequestJson.Object(body, "endpoint", "endpoint") ?? throw RequestJson.Missing("endpoint");
        var branchId = RequestJson.Id(endpointJson, "branch_id", "endpoint.branch_id") ?? throw RequestJson.Missing("endpoint.branch_id");
        var type = RequestJson.EndpointType(endpointJson, "endpoint.type");
        if (RequestJson.String(endpointJson, "region_id", "endpoint.region_id") is { } region && region != NeonJson.RegionId)
        {
            throw NeonApiException.BadRequest($"region_id must be the project's region ({NeonJson.RegionId})");
        }

        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            var branch = core.RequireBranch(branchId);
            var (endpoint, operation) = core.CreateEndpoint(branch, type);
            return NeonResults.Json(
                new JsonObject
                {
                    ["endpoint"] = NeonJson.Endpoint(core.State, endpoint, withLastActive: false),
                    ["operations"] = new JsonArray(NeonJson.Operation(core.State, operation)),
                },
                StatusCodes.Status201Created);
        }
    }

    private static IResult List([FromRoute(Name = "project_id")] string projectId, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            var endpoints = core.State.Endpoints.Values.OrderBy(e => e.CreatedAt);
            return NeonResults.Json(new JsonObject { ["endpoints"] = NeonJson.Array(endpoints.Select(e => NeonJson.Endpoint(core.State, e))) });
        }
    }

    private static IResult ListForBranch([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "branch_id")] string branchId, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            var branch = core.RequireBranch(branchId);
            var endpoints = core.State.EndpointsOf(branch.Id);
            return NeonResults.Json(new JsonObject { ["endpoints"] = NeonJson.Array(endpoints.Select(e => NeonJson.Endpoint(core.State, e))) });
        }
    }

    private static IResult Get([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "endpoint_id")] string endpointId, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            return NeonResults.Json(new JsonObject { ["endpoint"] = NeonJson.Endpoint(core.State, core.RequireEndpoint(endpointId)) });
        }
    }

    private static IResult Delete([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "endpoint_id")] string endpointId, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            if (!core.State.Endpoints.TryGetValue(endpointId, out var endpoint))
            {
                // The spec: 204 "if the endpoint doesn't exist or has already been deleted".
                return Results.NoContent();
            }

            var operation = core.DeleteEndpoint(endpoint, core.State.Branches[endpoint.BranchId]);
            return NeonResults.Json(new JsonObject
            {
                ["endpoint"] = NeonJson.Endpoint(core.State, endpoint),
                ["operations"] = new JsonArray(NeonJson.Operation(core.State, operation)),
            });
        }
    }
}
