namespace TodoApp;

/// <summary>A thing to do.</summary>
public sealed record TodoItem(int Id, string Title, bool Done, string? Category);
