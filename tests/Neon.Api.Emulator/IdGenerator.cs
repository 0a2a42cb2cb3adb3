using System.Security.Cryptography;

namespace Neon.Api.Emulator;

/// <summary>Neon-shaped identifiers: <c>old-violet-32930710</c>, <c>br-noisy-breeze-a5e59rrb</c>, <c>ep-misty-sea-a5833nbi</c>.</summary>
internal static class IdGenerator
{
    private const string Alphanumerics = "abcdefghijklmnopqrstuvwxyz0123456789";

    // The recorded ids carry a region code ("a5" is aws-us-east-2) before six random characters.
    private const string RegionCode = "a5";

    private static readonly string[] Adjectives =
    [
        "aged", "ancient", "autumn", "billowing", "bitter", "black", "blue", "bold", "broad", "calm",
        "cold", "cool", "crimson", "curly", "damp", "dark", "dawn", "delicate", "divine", "dry",
        "empty", "falling", "fancy", "flat", "floral", "fragrant", "frosty", "gentle", "green", "hidden",
        "holy", "icy", "jolly", "late", "lingering", "little", "lively", "long", "lucky", "misty",
        "morning", "muddy", "mute", "nameless", "noisy", "odd", "old", "orange", "patient", "plain",
        "polished", "proud", "purple", "quiet", "rapid", "raspy", "red", "restless", "rough", "round",
        "royal", "shiny", "shrill", "shy", "silent", "small", "snowy", "soft", "solitary", "sparkling",
        "spring", "square", "steep", "still", "summer", "super", "sweet", "throbbing", "tight", "tiny",
        "twilight", "wandering", "weathered", "white", "wild", "winter", "wispy", "withered", "yellow", "young",
    ];

    private static readonly string[] Nouns =
    [
        "art", "band", "bar", "base", "bird", "block", "boat", "bonus", "bread", "breeze",
        "brook", "bush", "butterfly", "cake", "cell", "cherry", "cloud", "credit", "darkness", "dawn",
        "dew", "disk", "dream", "dust", "feather", "field", "fire", "firefly", "flower", "fog",
        "forest", "frog", "frost", "glade", "glitter", "grass", "hall", "hat", "haze", "heart",
        "hill", "king", "lab", "lake", "leaf", "limit", "math", "meadow", "mode", "moon",
        "morning", "mountain", "mouse", "mud", "night", "paper", "pine", "poetry", "pond", "queen",
        "rain", "recipe", "resonance", "rice", "river", "salad", "scene", "sea", "shadow", "shape",
        "silence", "sky", "smoke", "snow", "snowflake", "sound", "star", "sun", "sunset", "surf",
        "term", "thunder", "tooth", "tree", "truth", "union", "unit", "violet", "voice", "water",
        "waterfall", "wave", "wildflower", "wind", "wood",
    ];

    /// <summary>A project id: two words and eight digits.</summary>
    public static string ProjectId() => $"{Words()}-{RandomNumberGenerator.GetInt32(0, 100_000_000):D8}";

    /// <summary>A branch id (<c>br-</c>).</summary>
    public static string BranchId() => $"br-{Words()}-{RegionCode}{Random(6)}";

    /// <summary>A compute endpoint id (<c>ep-</c>).</summary>
    public static string EndpointId() => $"ep-{Words()}-{RegionCode}{Random(6)}";

    /// <summary>A password shaped like the ones Neon issues today (<c>npg_</c> and twelve characters).</summary>
    public static string Password() => "npg_" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 12);

    private static string Words() =>
        $"{Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)]}-{Nouns[RandomNumberGenerator.GetInt32(Nouns.Length)]}";

    private static string Random(int length) => RandomNumberGenerator.GetString(Alphanumerics, length);
}
