using Microsoft.Testing.Platform.CommandLine;
using Microsoft.Testing.Platform.Extensions;
using Microsoft.Testing.Platform.Extensions.CommandLine;
using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Platform;

/// <summary>
/// The <c>--neon-*</c> options: one per setting of <see cref="NeonSettingCatalog"/> that has an option (secrets
/// have none: they come from environment variables only).
/// </summary>
internal sealed class NeonTestingCommandLineOptionsProvider : ICommandLineOptionsProvider
{
    /// <summary>The settings that have an option, in the catalogue's order.</summary>
    internal static IReadOnlyList<NeonSetting> Options { get; } = [.. NeonSettingCatalog.All.Where(s => s.Option is not null)];

    public string Uid => NeonTestingExtensionInfo.Uid + ".CommandLine";

    public string Version => NeonTestingExtensionInfo.Version;

    public string DisplayName => NeonTestingExtensionInfo.DisplayName;

    public string Description => NeonTestingExtensionInfo.Description;

    public Task<bool> IsEnabledAsync() => Task.FromResult(true);

    public IReadOnlyCollection<CommandLineOption> GetCommandLineOptions() =>
        [.. Options.Select(s => new CommandLineOption(
            s.Option!,
            $"{s.Description} ({s.Property}{(s.EnvironmentVariable is null ? "" : ", " + s.EnvironmentVariable)})",
            s.IsSwitch ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne,
            isHidden: false))];

    // Values are not judged here: the platform follows any invalid result with its whole --help text, which
    // buries the one line that matters. The session handler parses them through the catalogue, together with
    // neon-testing.json and the environment, and reports a bad one once (see NeonTestingSessionHandler).
    public Task<ValidationResult> ValidateOptionArgumentsAsync(CommandLineOption commandOption, string[] arguments) => ValidationResult.ValidTask;

    public Task<ValidationResult> ValidateCommandLineOptionsAsync(ICommandLineOptions commandLineOptions) => ValidationResult.ValidTask;

    /// <summary>The settings given on the command line, keyed by property name.</summary>
    internal static Dictionary<string, string?> ReadOverrides(ICommandLineOptions commandLineOptions)
    {
        ArgumentNullException.ThrowIfNull(commandLineOptions);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in Options)
        {
            if (commandLineOptions.TryGetOptionArgumentList(setting.Option!, out var arguments))
            {
                values[setting.Property] = arguments.Length == 0 && setting.IsSwitch ? "true" : arguments.FirstOrDefault();
            }
        }

        return values;
    }
}
