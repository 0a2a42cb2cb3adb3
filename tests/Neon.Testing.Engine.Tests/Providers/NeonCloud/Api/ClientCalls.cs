using System.Collections.Specialized;
using System.Globalization;
using System.Text.Json;
using System.Web;

namespace Neon.Api.Tests;

/// <summary>Calls the generated client method for an operationId with the arguments a recorded request carried.</summary>
internal static class ClientCalls
{
    public static async Task<object> InvokeAsync(
        NeonApiClient client,
        string operationId,
        IReadOnlyDictionary<string, string> path,
        string query,
        string? body,
        CancellationToken cancellationToken)
    {
        var q = HttpUtility.ParseQueryString(query);
        var project = path["project_id"];
        return operationId switch
        {
            "getProject" => await client.GetProjectAsync(project, cancellationToken),
            "listProjectBranches" => await client.ListProjectBranchesAsync(project, q["search"], q["sort_by"], q["cursor"], q["sort_order"], Int(q, "limit"), cancellationToken),
            "createProjectBranch" => await client.CreateProjectBranchAsync(project, Body<CreateProjectBranchRequest>(body), cancellationToken),
            "getProjectBranch" => await client.GetProjectBranchAsync(project, path["branch_id"], cancellationToken),
            "deleteProjectBranch" => await client.DeleteProjectBranchAsync(project, path["branch_id"], cancellationToken),
            "restoreProjectBranch" => await client.RestoreProjectBranchAsync(project, path["branch_id"], Body<BranchRestoreRequest>(body)!, cancellationToken),
            "listProjectBranchEndpoints" => await client.ListProjectBranchEndpointsAsync(project, path["branch_id"], cancellationToken),
            "listProjectBranchDatabases" => await client.ListProjectBranchDatabasesAsync(project, path["branch_id"], cancellationToken),
            "listProjectBranchRoles" => await client.ListProjectBranchRolesAsync(project, path["branch_id"], cancellationToken),
            "getProjectBranchRolePassword" => await client.GetProjectBranchRolePasswordAsync(project, path["branch_id"], path["role_name"], cancellationToken),
            "createProjectEndpoint" => await client.CreateProjectEndpointAsync(Body<EndpointCreateRequest>(body)!, project, cancellationToken),
            "getProjectEndpoint" => await client.GetProjectEndpointAsync(project, path["endpoint_id"], cancellationToken),
            "deleteProjectEndpoint" => await client.DeleteProjectEndpointAsync(project, path["endpoint_id"], cancellationToken),
            "listProjectOperations" => await client.ListProjectOperationsAsync(project, q["cursor"], Int(q, "limit"), cancellationToken),
            "getProjectOperation" => await client.GetProjectOperationAsync(project, Guid.Parse(path["operation_id"]), cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(operationId), operationId, "Not an operation Neon.Api was generated for; add it here."),
        };
    }

    private static int? Int(NameValueCollection query, string name) =>
        query[name] is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;

    private static T? Body<T>(string? body)
        where T : class =>
        body is null ? null : JsonSerializer.Deserialize<T>(body, NeonApiClient.SerializerOptions);
}
