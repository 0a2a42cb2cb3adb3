using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;

namespace Neon.Api.Emulator;

/// <summary>
/// A Neon API v2 emulator on loopback, backed by real PostgreSQL: one project with a default branch
/// (<c>neondb</c>, <c>neondb_owner</c>), branches that are real database copies, endpoints that are
/// real PostgreSQL listeners, and per-test fault injection. Dispose it to drop everything it made.
/// </summary>
public sealed class NeonApiEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorCore _core;
    private readonly CancellationTokenSource _lifetime;
    private readonly Task _expirySweeper;
    private int _disposed;

    private NeonApiEmulator(WebApplication app, EmulatorCore core, CancellationTokenSource lifetime, Uri baseAddress, string apiKey, RequestCounter requests, RateLimiter rateLimits)
    {
        RateLimits = rateLimits;
        _app = app;
        _core = core;
        _lifetime = lifetime;
        BaseAddress = baseAddress;
        ApiKey = apiKey;
        Requests = requests;
        _expirySweeper = SweepExpiredBranchesAsync();
    }

    /// <summary>The API root, as Neon's <c>https://console.neon.tech/api/v2/</c> (ends with a slash).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The bearer key requests must carry. A throwaway value: still, keep it out of logs.</summary>
    public string ApiKey { get; }

    /// <summary>The one project's id.</summary>
    public string ProjectId => _core.State.ProjectId;

    /// <summary>The project's default branch (<c>main</c>).</summary>
    public string DefaultBranchId
    {
        get
        {
            lock (_core.State.Gate)
            {
                return _core.State.DefaultBranchId;
            }
        }
    }

    /// <summary>Queue 429s, 5xx, failing or stalled operations, slow endpoints.</summary>
    public FaultInjector Faults => _core.Faults;

    /// <summary>Requests received, per Neon operation id.</summary>
    public RequestCounter Requests { get; }

    /// <summary>The rate limits enforced, the requests refused and the busiest second so far.</summary>
    public RateLimiter RateLimits { get; }

    /// <summary>Starts the emulator on 127.0.0.1 (a free port unless <see cref="NeonApiEmulatorOptions.Port"/> says otherwise).</summary>
    public static async Task<NeonApiEmulator> StartAsync(NeonApiEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new NeonApiEmulatorOptions();
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<NeonApiEmulator>();
        var apiKey = string.IsNullOrEmpty(options.ApiKey) ? "emu_" + IdGenerator.Password()[4..] + IdGenerator.Password()[4..] : options.ApiKey;
        var state = new EmulatorState(
            string.IsNullOrEmpty(options.ProjectId) ? IdGenerator.ProjectId() : options.ProjectId,
            options.ProjectName,
            IdGenerator.Password(),
            options.TimeProvider.GetUtcNow());

        var adminConnectionString = options.AdminConnectionString;
        if (string.IsNullOrEmpty(adminConnectionString))
        {
            var rootDirectory = options.LocalDataDirectory ?? Environment.GetEnvironmentVariable("NEON_LOCAL_DATA_DIR");
            var server = await EmbeddedPostgres.StartAsync(string.IsNullOrEmpty(rootDirectory) ? null : rootDirectory, logger, cancellationToken).ConfigureAwait(false);
            adminConnectionString = server.AdminConnectionString;
        }

        var lifetime = new CancellationTokenSource();
        IEmulatorStorage? storage = null;
        X509Certificate2? certificate = null;
        EmulatorCore? core = null;
        WebApplication? app = null;
        try
        {
            storage = await PostgresEmulatorStorage.CreateAsync(adminConnectionString, state.RolePassword, options.SourceSessionGrace, logger, cancellationToken).ConfigureAwait(false);
            certificate = ProxyCertificate.Create();
            var faults = new FaultInjector();
            core = new EmulatorCore(state, storage, faults, options, certificate, logger, lifetime.Token);
            await core.CreateDefaultBranchAsync(cancellationToken).ConfigureAwait(false);

            var requests = new RequestCounter();
            var rateLimits = new RateLimiter(options.RateLimits, options.TimeProvider);
            app = BuildApp(options, core, new RequestPipeline(apiKey, faults, requests, rateLimits, logger), loggerFactory);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var baseAddress = new Uri(address.TrimEnd('/') + "/api/v2/");
            logger.LogInformation("Neon API emulator for project {Project} listening on {BaseAddress}.", state.ProjectId, baseAddress);
            return new NeonApiEmulator(app, core, lifetime, baseAddress, apiKey, requests, rateLimits);
        }
        catch
        {
            await lifetime.CancelAsync().ConfigureAwait(false);
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            if (core is not null)
            {
                foreach (var proxy in core.Proxies)
                {
                    await proxy.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (storage is not null)
            {
                await storage.DisposeAsync().ConfigureAwait(false);
            }

            certificate?.Dispose();
            lifetime.Dispose();
            throw;
        }
    }

    /// <summary>An <see cref="HttpClient"/> aimed at <see cref="BaseAddress"/> with the bearer key set.</summary>
    public HttpClient CreateHttpClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>The local database behind a branch (deleted branches included), or <see langword="null"/> for an unknown id.</summary>
    public string? LocalDatabaseName(string branchId)
    {
        lock (_core.State.Gate)
        {
            return _core.State.DatabaseByBranch.GetValueOrDefault(branchId);
        }
    }

    /// <summary>Whether the local database behind a branch exists right now.</summary>
    public async Task<bool> LocalDatabaseExistsAsync(string branchId, CancellationToken cancellationToken = default)
    {
        var database = LocalDatabaseName(branchId);
        return database is not null && await _core.Storage.ExistsAsync(database, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops serving, ends every endpoint's sessions and drops the databases and roles it created.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _expirySweeper.ConfigureAwait(false);
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _core.Runner.WhenAllSettledAsync().ConfigureAwait(false);
        List<EndpointProxy> proxies;
        lock (_core.State.Gate)
        {
            proxies = [.. _core.Proxies];
        }

        foreach (var proxy in proxies)
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
        }

        await _core.Storage.DisposeAsync().ConfigureAwait(false);
        _core.Certificate.Dispose();
        _lifetime.Dispose();
    }

    private static WebApplication BuildApp(NeonApiEmulatorOptions options, EmulatorCore core, RequestPipeline pipeline, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(NeonApiEmulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        builder.Services.AddSingleton(core);

        var app = builder.Build();
        app.UseRouting();
        app.Use((context, next) => pipeline.InvokeAsync(context, next));
        var api = app.MapGroup("/api/v2");
        ProjectRoutes.Map(api);
        BranchRoutes.Map(api);
        EndpointRoutes.Map(api);
        RoleRoutes.Map(api);
        ConnectionRoutes.Map(api);
        OperationRoutes.Map(api);
        return app;
    }

    private async Task SweepExpiredBranchesAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(_core.Options.ExpiryCheckInterval, _core.Options.TimeProvider, _lifetime.Token).ConfigureAwait(false);
                _core.SweepExpired();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
