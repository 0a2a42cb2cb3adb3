using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Api = Neon.Api;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>
/// Compute endpoints and role passwords of the session's branches: found or created once, cached, and turned into
/// connection strings. Passwords are revealed, never reset.
/// </summary>
internal sealed class NeonEndpoints(NeonApi api, NeonOperationWaiter wait, NeonTestingOptions options, ILogger logger, NeonTimings timings, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<(string BranchId, bool ReadOnly), Api.Endpoint> _endpoints = new();
    private readonly ConcurrentDictionary<string, string> _passwords = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _endpointGate = new(1, 1);
    private int _databaseChecked;

    /// <summary>The branch's endpoint of the given kind (found, or created and waited for) and a connection string for it.</summary>
    public async Task<BranchEndpoint> GetAsync(BranchFacts facts, bool readOnly, CancellationToken cancellationToken)
    {
        var key = (facts.Id, readOnly);
        if (!_endpoints.TryGetValue(key, out var endpoint))
        {
            await _endpointGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_endpoints.TryGetValue(key, out endpoint))
                {
                    endpoint = await FindOrCreateEndpointAsync(facts, readOnly, cancellationToken).ConfigureAwait(false);
                    _endpoints[key] = endpoint;
                }
            }
            finally
            {
                _endpointGate.Release();
            }
        }

        await EnsureDatabaseExistsAsync(facts, cancellationToken).ConfigureAwait(false);
        var password = await GetPasswordAsync(facts, cancellationToken).ConfigureAwait(false);
        var connectionString = NeonConnectionStrings.Build(endpoint.Host, options.Database, options.Role, password);
        return new BranchEndpoint(endpoint.Id, facts.Id, readOnly, connectionString);
    }

    /// <summary>Records an endpoint the provider already waited for (a new branch's, or one a restore restarted).</summary>
    public void Remember(string branchId, bool readOnly, Api.Endpoint endpoint) => _endpoints[(branchId, readOnly)] = endpoint;

    /// <summary>Drops what is cached for a deleted branch.</summary>
    public void Forget(string branchId)
    {
        _passwords.TryRemove(branchId, out _);
        _endpoints.TryRemove((branchId, false), out _);
        _endpoints.TryRemove((branchId, true), out _);
    }

    public void Dispose() => _endpointGate.Dispose();

    private async Task<Api.Endpoint> FindOrCreateEndpointAsync(BranchFacts branch, bool readOnly, CancellationToken cancellationToken)
    {
        var type = readOnly ? NeonStates.ReadOnly : NeonStates.ReadWrite;
        var existing = await api.CallAsync($"list the endpoints of {branch.Describe()}", ct => api.Client.ListProjectBranchEndpointsAsync(api.ProjectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
        if (existing.Endpoints.FirstOrDefault(e => e.Type == type && e.Disabled != true) is { } found)
        {
            return NeonOperationWaiter.IsReady(found) ? found : await wait.ForEndpointAsync(found.Id, branch.Describe(), cancellationToken).ConfigureAwait(false);
        }

        var request = new Api.EndpointCreateRequest { Endpoint = new Api.EndpointCreateRequestEndpoint { BranchId = branch.Id, Type = type } };
        var created = await api.CallAsync(
            $"create a {type} endpoint on {branch.Describe()}",
            ct => api.Client.CreateProjectEndpointAsync(request, api.ProjectId, ct),
            cancellationToken,
            mutating: true).ConfigureAwait(false);
        try
        {
            await wait.ForOperationsAsync(created.Operations, $"the {type} endpoint {created.Endpoint.Id} of {branch.Describe()}", cancellationToken).ConfigureAwait(false);
            var endpoint = await wait.ForEndpointAsync(created.Endpoint.Id, branch.Describe(), cancellationToken).ConfigureAwait(false);
            logger.LogDebug("Created {Type} endpoint {EndpointId} on Neon branch {Branch}.", type, endpoint.Id, branch.Name);
            return endpoint;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            using var budget = new CancellationTokenSource(timings.CleanupTimeout, time);
            try
            {
                await api.CallAsync($"delete endpoint {created.Endpoint.Id}", ct => api.Client.DeleteProjectEndpointAsync(api.ProjectId, created.Endpoint.Id, ct), budget.Token, mutating: true).ConfigureAwait(false);
            }
            catch (NeonProviderException gone) when (gone.StatusCode is 204 or 404)
            {
                // Already gone (Neon answers 204 for an endpoint that no longer exists): done.
            }
            catch (Exception cleanup) when (cleanup is not OutOfMemoryException)
            {
                logger.LogWarning("Could not delete endpoint {EndpointId} after it failed to start: {Message} It goes with its branch.", created.Endpoint.Id, api.Scrubber.Scrub(cleanup.Message));
            }

            throw;
        }
    }

    public async Task<bool> HasActiveComputeAsync(BranchFacts branch, CancellationToken cancellationToken)
    {
        var endpoints = await api.CallAsync($"list the endpoints of {branch.Describe()}", ct => api.Client.ListProjectBranchEndpointsAsync(api.ProjectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
        return endpoints.Endpoints.Any(e => e.CurrentState == NeonStates.EndpointActive);
    }

    private async Task<string> GetPasswordAsync(BranchFacts branch, CancellationToken cancellationToken)
    {
        if (_passwords.TryGetValue(branch.Id, out var cached))
        {
            return cached;
        }

        try
        {
            // Reveal, never reset: a reset would drop every other process's connections.
            var revealed = await api.CallAsync(
                $"read the password of role '{options.Role}' on {branch.Describe()}",
                ct => api.Client.GetProjectBranchRolePasswordAsync(api.ProjectId, branch.Id, options.Role, ct),
                cancellationToken).ConfigureAwait(false);
            api.Scrubber.Add(revealed.Password);
            return _passwords[branch.Id] = revealed.Password;
        }
        catch (NeonProviderException e) when (e.StatusCode == 404)
        {
            var roles = await api.CallAsync($"list the roles of {branch.Describe()}", ct => api.Client.ListProjectBranchRolesAsync(api.ProjectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
            throw new NeonConfigurationException(NeonSettings.Role,
                $"NeonRole is '{options.Role}', but branch {branch.Describe()} has no such role (it has: {string.Join(", ", roles.Roles.Select(r => r.Name))}). Set NeonRole to one of them.", e);
        }
        catch (NeonProviderException e) when (e.StatusCode == 412)
        {
            throw new NeonConfigurationException(NeonSettings.Role,
                $"Neon project {api.ProjectId} does not store role passwords, so the password of '{options.Role}' cannot be read, and Neon.Testing never resets it " +
                "(that would drop other connections). Use a project that stores passwords (the default for new projects).", e);
        }
    }

    private async Task EnsureDatabaseExistsAsync(BranchFacts branch, CancellationToken cancellationToken)
    {
        // Once per session: a wrong NeonDatabase should fail here, by name, not deep inside a migration.
        if (Volatile.Read(ref _databaseChecked) != 0)
        {
            return;
        }

        var databases = await api.CallAsync($"list the databases of {branch.Describe()}", ct => api.Client.ListProjectBranchDatabasesAsync(api.ProjectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
        if (!databases.Databases.Any(d => d.Name == options.Database))
        {
            throw new NeonConfigurationException(NeonSettings.Database,
                $"NeonDatabase is '{options.Database}', but branch {branch.Describe()} has no such database (it has: {string.Join(", ", databases.Databases.Select(d => d.Name))}). Set NeonDatabase to one of them.");
        }

        Volatile.Write(ref _databaseChecked, 1);
    }
}
