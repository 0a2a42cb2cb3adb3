using Microsoft.Extensions.Logging;
using Neon.Testing.Engine.Migrations;

namespace Neon.Testing.EntityFrameworkCore.Tests;

/// <summary>
/// A source with a per-test salt in its fingerprint, so a template cached by an earlier test or run is never reused
/// by accident; the same salt in two sessions still means the same template.
/// </summary>
internal sealed class SaltedSource(MigrationSource inner, string salt) : MigrationSource
{
    public override string Name => inner.Name;

    public override async ValueTask<string?> ComputeFingerprintAsync(CancellationToken cancellationToken = default) =>
        await inner.ComputeFingerprintAsync(cancellationToken) + "\n" + salt;

    public override Task<int> ApplyAsync(string connectionString, ILogger logger, CancellationToken cancellationToken = default) =>
        inner.ApplyAsync(connectionString, logger, cancellationToken);
}
