using Npgsql;

namespace TodoApp;

/// <summary>The application code under test: plain Npgsql over a data source.</summary>
public sealed class TodoStore(NpgsqlDataSource dataSource)
{
    /// <summary>Adds an item and returns its id.</summary>
    public async Task<int> AddAsync(string title, string? category = null, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO todos (title, category_id) VALUES ($1, (SELECT id FROM categories WHERE name = $2)) RETURNING id");
        command.Parameters.AddWithValue(title);
        command.Parameters.AddWithValue((object?)category ?? DBNull.Value);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Marks an item done.</summary>
    public async Task CompleteAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("UPDATE todos SET done = true WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>All items, oldest first.</summary>
    public async Task<IReadOnlyList<TodoItem>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT t.id, t.title, t.done, c.name FROM todos t LEFT JOIN categories c ON c.id = t.category_id ORDER BY t.id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var items = new List<TodoItem>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new TodoItem(reader.GetInt32(0), reader.GetString(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return items;
    }

    /// <summary>Category names (reference data seeded by migrations).</summary>
    public async Task<IReadOnlyList<string>> CategoriesAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT name FROM categories ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var names = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Deletes a category (fails while items use it).</summary>
    public async Task DeleteCategoryAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM categories WHERE name = $1");
        command.Parameters.AddWithValue(name);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
