using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Neon.Api.Emulator;

/// <summary><c>/projects/{project_id}</c>: getProject.</summary>
internal static class ProjectRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/projects/{project_id}", GetProject).WithName("getProject");
    }

    private static IResult GetProject([FromRoute(Name = "project_id")] string projectId, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            return NeonResults.Json(new JsonObject { ["project"] = NeonJson.Project(core.State, core.Storage.ServerVersion) });
        }
    }
}
