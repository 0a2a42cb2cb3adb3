using System.Globalization;
using System.Text.Json.Nodes;

namespace Neon.Api.Emulator;

/// <summary>
/// Response shapes, property for property and in the order of the recorded Neon responses in
/// <c>shared/neon-api/cassettes</c>; optional properties appear only when Neon would send them.
/// Call under <see cref="EmulatorState.Gate"/>.
/// </summary>
internal static class NeonJson
{
    public const string RegionId = "aws-us-east-2";
    public const string ProxyHost = "127.0.0.1";

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static JsonObject Error(string code, string message) => new() { ["code"] = code, ["message"] = message };

    public static JsonObject Project(EmulatorState state, int pgVersion)
    {
        var created = Time(state.CreatedAt);
        var periodStart = new DateTimeOffset(state.CreatedAt.Year, state.CreatedAt.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return new JsonObject
        {
            ["data_storage_bytes_hour"] = 0,
            ["data_transfer_bytes"] = 0,
            ["written_data_bytes"] = 0,
            ["compute_time_seconds"] = 0,
            ["active_time_seconds"] = 0,
            ["cpu_used_sec"] = 0,
            ["id"] = state.ProjectId,
            ["platform_id"] = "aws",
            ["region_id"] = RegionId,
            ["name"] = state.ProjectName,
            ["provisioner"] = "k8s-neonvm",
            ["default_endpoint_settings"] = new JsonObject
            {
                ["autoscaling_limit_min_cu"] = 0.25,
                ["autoscaling_limit_max_cu"] = 0.25,
                ["suspend_timeout_seconds"] = 0,
            },
            ["settings"] = new JsonObject
            {
                ["allowed_ips"] = new JsonObject { ["ips"] = new JsonArray(), ["protected_branches_only"] = false },
                ["enable_logical_replication"] = false,
                ["block_public_connections"] = false,
                ["block_vpc_connections"] = false,
            },
            ["pg_version"] = pgVersion,
            ["proxy_host"] = ProxyHost,
            ["branch_logical_size_limit"] = 512,
            ["branch_logical_size_limit_bytes"] = 536870912,
            ["store_passwords"] = true,
            ["creation_source"] = "console",
            ["history_retention_seconds"] = 86400,
            ["created_at"] = created,
            ["updated_at"] = created,
            ["synthetic_storage_size"] = 0,
            ["consumption_period_start"] = Time(periodStart),
            ["consumption_period_end"] = Time(periodStart.AddMonths(1)),
            ["owner_id"] = "00000000-0000-4000-8000-000000000000",
            ["owner"] = new JsonObject
            {
                ["email"] = "emulator@localhost",
                ["name"] = "Neon API Emulator",
                ["branches_limit"] = 5000,
                ["subscription_type"] = "scale",
            },
        };
    }

    /// <summary>A branch; <paramref name="withCreatedBy"/> as Neon fills <c>created_by</c> only in listing/get/create/delete answers.</summary>
    public static JsonObject Branch(EmulatorState state, BranchRecord branch, bool withCreatedBy = true)
    {
        var json = new JsonObject
        {
            ["id"] = branch.Id,
            ["project_id"] = state.ProjectId,
        };
        if (branch.ParentId is not null)
        {
            json["parent_id"] = branch.ParentId;
            json["parent_lsn"] = "0/1F2D3C8";
            json["parent_timestamp"] = Time(branch.ParentTimestamp ?? branch.CreatedAt);
        }

        json["name"] = branch.Name;
        json["current_state"] = branch.CurrentState;
        if (branch.PendingState is not null)
        {
            json["pending_state"] = branch.PendingState;
        }

        json["state_changed_at"] = Time(branch.StateChangedAt);
        if (branch.LogicalSize is not null)
        {
            json["logical_size"] = branch.LogicalSize;
        }

        json["creation_source"] = "console";
        json["primary"] = branch.IsDefault;
        json["default"] = branch.IsDefault;
        json["protected"] = false;
        if (branch.ExpiresAt is not null)
        {
            json["expires_at"] = Time(branch.ExpiresAt.Value);
            json["ttl_interval_seconds"] = branch.TtlIntervalSeconds;
        }

        json["cpu_used_sec"] = 0;
        json["compute_time_seconds"] = 0;
        json["active_time_seconds"] = 0;
        json["written_data_bytes"] = 0;
        json["data_transfer_bytes"] = 0;
        json["created_at"] = Time(branch.CreatedAt);
        json["updated_at"] = Time(branch.UpdatedAt);
        if (branch.LastResetAt is not null)
        {
            json["last_reset_at"] = Time(branch.LastResetAt.Value);
        }

        if (withCreatedBy)
        {
            json["created_by"] = new JsonObject { ["name"] = "Neon API Emulator", ["image"] = "" };
        }

        return json;
    }

    /// <summary>The annotation Neon returns beside a branch from getProjectBranch.</summary>
    public static JsonObject Annotation(BranchRecord branch) => new()
    {
        ["object"] = new JsonObject { ["type"] = "console/branch", ["id"] = branch.Id },
        ["value"] = branch.AnnotationValue?.DeepClone() ?? new JsonObject(),
        ["created_at"] = Time(branch.CreatedAt),
        ["updated_at"] = Time(branch.UpdatedAt),
    };

    /// <summary>A compute endpoint; Neon leaves <c>last_active</c> out of creation answers.</summary>
    public static JsonObject Endpoint(EmulatorState state, EndpointRecord endpoint, bool withLastActive = true)
    {
        var json = new JsonObject
        {
            ["host"] = endpoint.Host,
            ["id"] = endpoint.Id,
            ["project_id"] = state.ProjectId,
            ["branch_id"] = endpoint.BranchId,
            ["autoscaling_limit_min_cu"] = 0.25,
            ["autoscaling_limit_max_cu"] = 0.25,
            ["region_id"] = RegionId,
            ["type"] = endpoint.Type,
            ["current_state"] = endpoint.CurrentState,
        };
        if (endpoint.PendingState is not null)
        {
            json["pending_state"] = endpoint.PendingState;
        }

        json["settings"] = new JsonObject();
        json["pooler_enabled"] = false;
        json["pooler_mode"] = "transaction";
        json["disabled"] = false;
        json["passwordless_access"] = true;
        if (withLastActive)
        {
            json["last_active"] = Time(endpoint.LastActive);
        }

        json["creation_source"] = "console";
        json["created_at"] = Time(endpoint.CreatedAt);
        json["updated_at"] = Time(endpoint.UpdatedAt);
        json["proxy_host"] = ProxyHost;
        json["suspend_timeout_seconds"] = 0;
        json["provisioner"] = "k8s-neonvm";
        return json;
    }

    public static JsonObject Operation(EmulatorState state, OperationRecord operation)
    {
        var json = new JsonObject
        {
            ["id"] = operation.Id.ToString(),
            ["project_id"] = state.ProjectId,
            ["branch_id"] = operation.BranchId,
        };
        if (operation.EndpointId is not null)
        {
            json["endpoint_id"] = operation.EndpointId;
        }

        json["action"] = operation.Action;
        json["status"] = operation.Status;
        if (operation.Error is not null)
        {
            json["error"] = operation.Error;
        }

        json["failures_count"] = operation.FailuresCount;
        json["created_at"] = Time(operation.CreatedAt);
        json["updated_at"] = Time(operation.UpdatedAt);
        json["total_duration_ms"] = operation.TotalDurationMs;
        return json;
    }

    public static JsonObject Role(BranchRecord branch) => new()
    {
        ["branch_id"] = branch.Id,
        ["name"] = EmulatorState.RoleName,
        ["protected"] = false,
        ["created_at"] = Time(branch.CreatedAt),
        ["updated_at"] = Time(branch.CreatedAt),
    };

    public static JsonObject Database(BranchRecord branch) => new()
    {
        ["id"] = branch.DatabaseId,
        ["branch_id"] = branch.Id,
        ["name"] = EmulatorState.DatabaseName,
        ["owner_name"] = EmulatorState.RoleName,
        ["created_at"] = Time(branch.CreatedAt),
        ["updated_at"] = Time(branch.CreatedAt),
    };

    /// <summary>A URI that really connects: through the endpoint's proxy to the branch's local database.</summary>
    public static string ConnectionUri(EmulatorState state, EndpointRecord endpoint, string database, string role) =>
        $"postgresql://{Uri.EscapeDataString(role)}:{Uri.EscapeDataString(state.RolePassword)}@{endpoint.Host}/{Uri.EscapeDataString(database)}?sslmode=require";

    public static JsonObject ConnectionDetails(EmulatorState state, EndpointRecord endpoint) => new()
    {
        ["connection_uri"] = ConnectionUri(state, endpoint, EmulatorState.DatabaseName, EmulatorState.RoleName),
        ["connection_parameters"] = new JsonObject
        {
            ["database"] = EmulatorState.DatabaseName,
            ["password"] = state.RolePassword,
            ["role"] = EmulatorState.RoleName,
            ["host"] = endpoint.Host,
            ["pooler_host"] = endpoint.Host,
        },
    };

    public static JsonArray Array(IEnumerable<JsonNode> items) => new([.. items]);
}
