using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Neon.Api.Emulator;

/// <summary>
/// A branch's roles and databases: getProjectBranchRolePassword (reveal, never reset),
/// listProjectBranchRoles, getProjectBranchRole, listProjectBranchDatabases.
/// </summary>
internal static class RoleRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/projects/{project_id}/branches/{branch_id}/roles/{role_name}/reveal_password", RevealPassword).WithName("getProjectBranchRolePassword");
        api.MapGet("/projects/{project_id}/branches/{branch_id}/roles", ListRoles).WithName("listProjectBranchRoles");
        api.MapGet("/projects/{project_id}/branches/{branch_id}/roles/{role_name}", GetRole).WithName("getProjectBranchRole");
        api.MapGet("/projects/{project_id}/branches/{branch_id}/databases", ListDatabases).WithName("listProjectBranchDatabases");
    }

    private static IResult RevealPassword([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "branch_id")] string branchId, [FromRoute(Name = "role_name")] string roleName, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            RequireRole(core, projectId, branchId, roleName);
            return NeonResults.Json(new JsonObject { ["password"] = core.State.RolePassword });
        }
    }

    private static IResult ListRoles([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "branch_id")] string branchId, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            return NeonResults.Json(new JsonObject { ["roles"] = new JsonArray(NeonJson.Role(core.RequireBranch(branchId))) });
        }
    }

    private static IResult GetRole([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "branch_id")] string branchId, [FromRoute(Name = "role_name")] string roleName, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            return NeonResults.Json(new JsonObject { ["role"] = NeonJson.Role(RequireRole(core, projectId, branchId, roleName)) });
        }
    }

    private static IResult ListDatabases([FromRoute(Name = "project_id")] string projectId, [FromRoute(Name = "branch_id")] string branchId, EmulatorCore core)
    {
        lock (core.State.Gate)
        {
            core.RequireProject(projectId);
            return NeonResults.Json(new JsonObject { ["databases"] = new JsonArray(NeonJson.Database(core.RequireBranch(branchId))) });
        }
    }

    private static BranchRecord RequireRole(EmulatorCore core, string projectId, string branchId, string roleName)
    {
        core.RequireProject(projectId);
        var branch = core.RequireBranch(branchId);
        return roleName == EmulatorState.RoleName ? branch : throw NeonApiException.NotFound($"role {roleName} not found");
    }
}
