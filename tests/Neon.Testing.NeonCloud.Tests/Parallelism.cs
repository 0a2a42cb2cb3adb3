// Two classes at a time: the stuck-operation class mostly waits, the others keep the machine busy.
[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.ClassLevel)]
