using System.Text.Json;

namespace HomebrewSync.TestSupport;

/// <summary>Writes formula.json shaped like formulae.brew.sh's (the fields a sync reads, and the usual others around them).</summary>
public static class CatalogWriter
{
    public static async Task WriteAsync(Stream destination, IEnumerable<FakeFormula> formulae, int registryPort, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(formulae);
        await using var w = new Utf8JsonWriter(destination);
        w.WriteStartArray();
        foreach (var f in formulae)
        {
            WriteFormula(w, f, $"http://127.0.0.1:{registryPort}/v2/homebrew/core");
            if (w.BytesPending > 32 * 1024)
            {
                await w.FlushAsync(cancellationToken);
            }
        }
        w.WriteEndArray();
        await w.FlushAsync(cancellationToken);
    }

    public static byte[] ToBytes(IEnumerable<FakeFormula> formulae, int registryPort)
    {
        using var buffer = new MemoryStream();
        WriteAsync(buffer, formulae, registryPort, CancellationToken.None).GetAwaiter().GetResult();
        return buffer.ToArray();
    }

    private static void WriteFormula(Utf8JsonWriter w, FakeFormula f, string registry)
    {
        w.WriteStartObject();
        w.WriteString("name", f.Name);
        w.WriteString("full_name", f.Name);
        w.WriteString("tap", "homebrew/core");
        w.WriteNull("oldname");
        w.WriteStartArray("aliases");
        w.WriteEndArray();
        w.WriteString("desc", $"Test formula {f.Name}");
        w.WriteString("license", "MIT");
        w.WriteString("homepage", $"https://example.invalid/{f.Name}");
        w.WriteStartObject("versions");
        w.WriteString("stable", f.Stable);
        w.WriteNull("head");
        w.WriteBoolean("bottle", f.Bottles.Count > 0);
        w.WriteEndObject();
        w.WriteStartObject("urls");
        w.WriteStartObject("stable");
        w.WriteString("url", $"https://example.invalid/{f.Name}-{f.Stable}.tar.gz");
        w.WriteNull("tag");
        w.WriteNull("revision");
        w.WriteString("checksum", new string('e', 64));
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteNumber("revision", f.Revision);
        w.WriteNumber("version_scheme", 0);
        w.WriteStartObject("bottle");
        if (f.Bottles.Count > 0)
        {
            w.WriteStartObject("stable");
            w.WriteNumber("rebuild", f.Rebuild);
            w.WriteString("root_url", registry);
            w.WriteStartObject("files");
            foreach (var (tag, blob) in f.Bottles)
            {
                w.WriteStartObject(tag);
                w.WriteString("cellar", tag.EndsWith("linux", StringComparison.Ordinal) ? "/home/linuxbrew/.linuxbrew/Cellar" : tag.StartsWith("arm64", StringComparison.Ordinal) ? "/opt/homebrew/Cellar" : ":any_skip_relocation");
                w.WriteString("url", $"{registry}/{f.Image}/blobs/sha256:{blob.Sha256}");
                w.WriteString("sha256", blob.Sha256);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteStartArray("dependencies");
        w.WriteStringValue("openssl@3");
        for (var i = 0; i < f.NoiseBytes / 64; i++)
        {
            w.WriteStringValue($"dependency-{i:D4}-of-{f.Name}");
        }
        w.WriteEndArray();
        w.WriteStartObject("variations");
        if (f.NoiseBytes > 0)
        {
            w.WriteStartObject("x86_64_linux");
            w.WriteString("caveats", new string('c', f.NoiseBytes / 2));
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteStartArray("build_dependencies");
        w.WriteEndArray();
        w.WriteNull("caveats");
        w.WriteBoolean("deprecated", false);
        w.WriteNull("deprecation_date");
        w.WriteBoolean("disabled", f.Disabled);
        w.WriteNull("disable_date");
        w.WriteString("tap_git_head", "4eeae4ea50839e967536ba646d5e0ed6fbcbad7f");
        w.WriteString("ruby_source_path", $"Formula/{f.Name[0]}/{f.Name}.rb");
        w.WriteEndObject();
    }
}
