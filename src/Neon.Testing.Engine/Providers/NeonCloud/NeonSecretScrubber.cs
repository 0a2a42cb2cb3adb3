using System.Collections.Concurrent;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>
/// Keeps the API key and every password the session has seen out of text bound for a log or an
/// exception: known secrets become <c>***</c>, and so does anything shaped like a password in a
/// connection string (<c>Password=...</c>) or URL (<c>postgresql://user:...@</c>).
/// </summary>
internal sealed class NeonSecretScrubber
{
    private const string Mask = "***";
    private readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);

    /// <summary>Remembers a secret to mask. Short values are ignored: masking "a" would mangle every message.</summary>
    public void Add(string? secret)
    {
        if (secret is { Length: >= 4 })
        {
            _secrets.TryAdd(secret, 0);
        }
    }

    public string Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        // Longest first, so a secret that contains another is masked whole.
        foreach (var secret in _secrets.Keys.OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return SecretRedactor.MaskPasswordPatterns(text);
    }
}
