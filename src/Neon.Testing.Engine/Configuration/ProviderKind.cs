namespace Neon.Testing.Engine;

/// <summary>Which branching engine a session uses.</summary>
public enum ProviderKind
{
    /// <summary>Neon when an API key and project id are configured, otherwise Local.</summary>
    Auto = 0,

    /// <summary>Neon branches through the Neon API.</summary>
    Neon,

    /// <summary>Template databases on a local PostgreSQL (embedded or <c>NeonLocalConnectionString</c>).</summary>
    Local,
}
