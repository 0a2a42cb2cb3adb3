using Api = Neon.Api;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>Waits for Neon's asynchronous work: operations to finish and compute endpoints to become usable.</summary>
internal sealed class NeonOperationWaiter(NeonApi api, NeonTimings timings, TimeProvider time)
{
    public async Task ForOperationsAsync(IEnumerable<Api.Operation> operations, string subject, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timings.OperationTimeout;
        foreach (var operation in operations)
        {
            var current = operation;
            for (var poll = 0; ; poll++)
            {
                var outcome = NeonStates.Outcome(current.Status);
                if (outcome == OperationOutcome.Succeeded)
                {
                    break;
                }

                if (outcome == OperationOutcome.Failed)
                {
                    throw new NeonProviderException(api.Scrubber.Scrub(
                        $"Neon operation {current.Action} ({current.Id}) on {subject} ended '{current.Status}': {current.Error ?? "Neon gave no reason"}."));
                }

                if (time.GetUtcNow() >= deadline)
                {
                    throw new NeonProviderException(
                        $"Neon operation {current.Action} ({current.Id}) on {subject} was still '{current.Status}' after {timings.OperationTimeout.TotalSeconds:0} s.");
                }

                await Task.Delay(timings.PollDelay(poll), time, cancellationToken).ConfigureAwait(false);
                var id = current.Id;
                current = (await api.CallAsync($"read operation {id}", ct => api.Client.GetProjectOperationAsync(api.ProjectId, id, ct), cancellationToken).ConfigureAwait(false)).Operation;
            }
        }
    }

    public async Task<Api.Endpoint> ForEndpointAsync(string endpointId, string subject, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timings.EndpointTimeout;
        for (var poll = 0; ; poll++)
        {
            var endpoint = (await api.CallAsync($"read endpoint {endpointId}", ct => api.Client.GetProjectEndpointAsync(api.ProjectId, endpointId, ct), cancellationToken).ConfigureAwait(false)).Endpoint;
            if (IsReady(endpoint))
            {
                return endpoint;
            }

            if (endpoint.Disabled == true)
            {
                throw new NeonProviderException($"Endpoint {endpointId} of {subject} is disabled; Neon.Testing cannot connect through it.");
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new NeonProviderException(
                    $"Endpoint {endpointId} of {subject} was still '{endpoint.CurrentState}'{(endpoint.PendingState is { } pending ? $" (becoming '{pending}')" : "")} after {timings.EndpointTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(timings.PollDelay(poll), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Active, or suspended with nothing pending: an idle Neon compute wakes on the first connection.</summary>
    public static bool IsReady(Api.Endpoint endpoint) =>
        endpoint.Disabled != true && (endpoint.CurrentState == NeonStates.EndpointActive || (endpoint.CurrentState == "idle" && string.IsNullOrEmpty(endpoint.PendingState)));
}
