using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Neon.Testing.Engine;

namespace Neon.Testing.EntityFrameworkCore;

/// <summary>
/// Builds a context on a given database the way EF Core's own tools do: an <see cref="IDesignTimeDbContextFactory{TContext}"/>
/// first (with <c>NeonEnvVar</c> / <c>ConnectionStrings__&lt;Name&gt;</c> set to the database, as the factory may read them),
/// then a constructor taking <see cref="DbContextOptions{TContext}"/> configured with <c>UseNpgsql</c>, then a parameterless
/// constructor (the context configures itself in <c>OnConfiguring</c>). The connection string is then set on the context.
/// </summary>
internal sealed class DbContextActivator
{
    private readonly Type _contextType;
    private readonly NeonTestingOptions _options;
    private readonly Type? _factoryType;

    public DbContextActivator(Type contextType, NeonTestingOptions options)
    {
        _contextType = contextType;
        _options = options;
        _factoryType = FindFactory(contextType);
        Construction = _factoryType is not null ? $"its design-time factory {_factoryType.Name}"
            : OptionsConstructor() is not null ? $"its constructor taking DbContextOptions<{contextType.Name}>, with UseNpgsql"
            : contextType.GetConstructor(Type.EmptyTypes) is not null ? $"its parameterless constructor (OnConfiguring)"
            : null;
    }

    /// <summary>How the context is built, for messages; <see langword="null"/> when it cannot be.</summary>
    public string? Construction { get; }

    /// <summary>A new context on <paramref name="connectionString"/>.</summary>
    public DbContext Create(string connectionString)
    {
        if (Construction is null)
        {
            throw new InvalidOperationException(
                $"Neon.Testing cannot build {_contextType.FullName}: it has no IDesignTimeDbContextFactory<{_contextType.Name}> in {_contextType.Assembly.GetName().Name}, " +
                $"no constructor taking only DbContextOptions<{_contextType.Name}>, and no parameterless constructor. " +
                $"Add a class implementing IDesignTimeDbContextFactory<{_contextType.Name}> (as for 'dotnet ef'), or a constructor taking DbContextOptions<{_contextType.Name}>.");
        }

        var context = _factoryType is not null ? CreateWithFactory(connectionString) : CreateWithConstructor(connectionString);
        try
        {
            context.Database.SetConnectionString(connectionString);
        }
        catch (InvalidOperationException)
        {
            // Configured with a data source, whose connection string cannot change: the factory read ours from the environment.
        }

        return context;
    }

    private DbContext CreateWithFactory(string connectionString)
    {
        var variables = new List<string> { _options.EnvVar };
        if (!string.IsNullOrEmpty(_options.ConnectionStringName))
        {
            variables.Add($"ConnectionStrings__{_options.ConnectionStringName}");
        }

        var previous = variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        foreach (var variable in variables)
        {
            Environment.SetEnvironmentVariable(variable, connectionString);
        }

        try
        {
            var factory = Activator.CreateInstance(_factoryType!)!;
            var create = _factoryType!.GetInterfaceMap(typeof(IDesignTimeDbContextFactory<>).MakeGenericType(_contextType)).TargetMethods[0];
            return (DbContext)(create.Invoke(factory, [Array.Empty<string>()])
                ?? throw new InvalidOperationException($"{_factoryType.Name}.CreateDbContext returned null."));
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"{_factoryType!.Name}.CreateDbContext failed: {e.InnerException.Message}", e.InnerException);
        }
        finally
        {
            foreach (var (variable, value) in previous)
            {
                Environment.SetEnvironmentVariable(variable, value);
            }
        }
    }

    private DbContext CreateWithConstructor(string connectionString)
    {
        try
        {
            if (OptionsConstructor() is { } constructor)
            {
                var builder = (DbContextOptionsBuilder)Activator.CreateInstance(typeof(DbContextOptionsBuilder<>).MakeGenericType(_contextType))!;
                builder.UseNpgsql(connectionString);
                return (DbContext)constructor.Invoke([builder.Options]);
            }

            return (DbContext)Activator.CreateInstance(_contextType)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"Constructing {_contextType.Name} failed: {e.InnerException.Message}", e.InnerException);
        }
    }

    private ConstructorInfo? OptionsConstructor()
    {
        var typed = typeof(DbContextOptions<>).MakeGenericType(_contextType);
        return _contextType.GetConstructor([typed]) ?? _contextType.GetConstructor([typeof(DbContextOptions)]);
    }

    private static Type? FindFactory(Type contextType)
    {
        var factory = typeof(IDesignTimeDbContextFactory<>).MakeGenericType(contextType);
        Type?[] types;
        try
        {
            types = contextType.Assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types;
        }

        return types.OfType<Type>()
            .Where(t => t is { IsAbstract: false, IsGenericTypeDefinition: false } && factory.IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .FirstOrDefault();
    }
}
