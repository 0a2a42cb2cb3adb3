using Microsoft.Extensions.Logging;
using Neon.Api.Emulator;

// Manual use: `dotnet run --project tests/Neon.Api.Emulator [-- --port 8080]`, then point a Neon
// client at the printed address. The key comes from NEON_EMULATOR_API_KEY, else a throwaway one is made.
var port = 0;
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--port" && !int.TryParse(args[i + 1], out port))
    {
        Console.Error.WriteLine("--port takes a number (0 picks a free port).");
        return 2;
    }
}

using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
var options = new NeonApiEmulatorOptions
{
    Port = port,
    ApiKey = Environment.GetEnvironmentVariable("NEON_EMULATOR_API_KEY"),
    LoggerFactory = loggerFactory,
};

await using var emulator = await NeonApiEmulator.StartAsync(options);
Console.WriteLine($"NEON_API_URL={emulator.BaseAddress}");
Console.WriteLine($"NEON_PROJECT_ID={emulator.ProjectId}");
if (string.IsNullOrEmpty(options.ApiKey))
{
    // A key this process made up for a loopback emulator: printing it is the only way to hand it over.
    Console.WriteLine($"NEON_API_KEY={emulator.ApiKey}");
}

Console.WriteLine("Press Ctrl+C to stop; every database the emulator created is dropped on the way out.");
var stopped = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopped.TrySetResult();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopped.TrySetResult();
});
await stopped.Task;
return 0;
