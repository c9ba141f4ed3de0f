using System.Globalization;
using System.Text.Json;

namespace HomebrewSync.TestSupport;

/// <summary>
/// The OCI image index ghcr.io serves for one formula version, shaped as Homebrew's uploader writes it:
/// one manifest per bottle, annotated with <c>org.opencontainers.image.ref.name</c> (<c>&lt;pkgver&gt;.&lt;tag&gt;[.&lt;rebuild&gt;]</c>),
/// <c>sh.brew.bottle.digest</c>, <c>sh.brew.bottle.size</c> and <c>sh.brew.tab</c>.
/// </summary>
public static class ImageIndexWriter
{
    public static string RefName(FakeFormula formula, string tag) =>
        formula.Rebuild > 0 ? $"{formula.Version}.{tag}.{formula.Rebuild}" : $"{formula.Version}.{tag}";

    public static byte[] ToBytes(FakeFormula formula)
    {
        ArgumentNullException.ThrowIfNull(formula);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteStartArray("manifests");
            foreach (var (tag, blob) in formula.Bottles.OrderBy(b => b.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("mediaType", "application/vnd.oci.image.manifest.v1+json");
                w.WriteString("digest", "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(formula.Name + tag))));
                w.WriteNumber("size", 1000);
                if (tag != "all")
                {
                    w.WriteStartObject("platform");
                    w.WriteString("architecture", tag.StartsWith("arm64", StringComparison.Ordinal) ? "arm64" : "amd64");
                    w.WriteString("os", tag.EndsWith("linux", StringComparison.Ordinal) ? "linux" : "darwin");
                    w.WriteEndObject();
                }
                w.WriteStartObject("annotations");
                w.WriteString("org.opencontainers.image.ref.name", RefName(formula, tag));
                w.WriteString("sh.brew.bottle.digest", blob.Sha256);
                w.WriteString("sh.brew.bottle.size", blob.Length.ToString(CultureInfo.InvariantCulture));
                w.WriteString("sh.brew.tab", $$"""{"homebrew_version":"6.0.18","changed_files":[],"source_modified_time":1753000000,"compiler":"clang","runtime_dependencies":[],"arch":"{{(tag.StartsWith("arm64", StringComparison.Ordinal) ? "arm64" : "x86_64")}}"}""");
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("annotations");
            w.WriteString("com.github.package.type", "homebrew_bottle");
            w.WriteString("org.opencontainers.image.ref.name", formula.IndexReference);
            w.WriteString("org.opencontainers.image.version", formula.Version);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
