// Test classes run in parallel: each running test gets an isolated branch of its own, and its own app.
[assembly: Parallelize(Workers = 4, Scope = ExecutionScope.ClassLevel)]
