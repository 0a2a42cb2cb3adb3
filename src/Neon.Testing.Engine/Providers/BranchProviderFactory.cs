using Microsoft.Extensions.Logging;
using Neon.Testing.Engine.Providers.Local;
using Neon.Testing.Engine.Providers.NeonCloud;

namespace Neon.Testing.Engine.Providers;

/// <summary>Creates the provider that <see cref="NeonTestingOptions.ResolvedProvider"/> names.</summary>
internal static class BranchProviderFactory
{
    /// <summary>Creates and connects the configured provider.</summary>
    public static async Task<IBranchProvider> CreateAsync(NeonTestingOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ResolvedProvider switch
        {
            ProviderKind.Local => await LocalBranchProvider.CreateAsync(options, logger, cancellationToken).ConfigureAwait(false),
            _ => new NeonBranchProvider(options, logger) as IBranchProvider,
        };
    }
}
