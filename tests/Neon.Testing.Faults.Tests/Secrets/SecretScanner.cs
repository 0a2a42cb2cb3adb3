using System.IO.Compression;
using System.Text;

namespace Neon.Testing.Faults.Tests.Secrets;

/// <summary>
/// Looks for known secrets in text and in every file under a folder: each secret as written, URL-encoded and in
/// base64; gzip files (binary logs) are read unpacked. A hit names the secret's label and where, never the secret.
/// </summary>
internal sealed class SecretScanner
{
    private readonly List<(string Label, string Form)> _forms = [];

    public int FilesScanned { get; private set; }

    public long BytesScanned { get; private set; }

    public int TextsScanned { get; private set; }

    public List<string> Hits { get; } = [];

    /// <summary>Adds a secret under a label that may be printed.</summary>
    public void Add(string label, string secret)
    {
        _forms.Add((label, secret));
        _forms.Add((label + " (URL-encoded)", Uri.EscapeDataString(secret)));
        _forms.Add((label + " (base64)", Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))));
    }

    public void ScanText(string where, string text)
    {
        TextsScanned++;
        BytesScanned += text.Length;
        foreach (var (label, form) in _forms.Where(f => text.Contains(f.Form, StringComparison.Ordinal)))
        {
            Hits.Add($"{label} in {where}");
        }
    }

    public void ScanFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            ScanFile(file);
        }
    }

    public void ScanFile(string file)
    {
        var bytes = File.ReadAllBytes(file);
        FilesScanned++;
        ScanText(file, Encoding.UTF8.GetString(bytes));
        TextsScanned--;
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var unpacked = new MemoryStream();
            using (var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress))
            {
                gzip.CopyTo(unpacked);
            }

            ScanText(file + " (unpacked)", Encoding.UTF8.GetString(unpacked.ToArray()));
            TextsScanned--;
        }
    }
}
