namespace Neon.Testing;

/// <summary>Stands in for Neon.Testing's attribute in the copies that run without it: it changes nothing there.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;
