namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

public sealed class Note
{
    public int Id { get; set; }

    public string Text { get; set; } = "";

    /// <summary>Added after the last migration, on purpose: the model has changes no migration covers.</summary>
    public string? Author { get; set; }
}
