using System.Text.Json.Serialization;

namespace HomebrewSync.Core.Catalog;

// The subset of formula.json that mirroring reads; every other property is skipped by the reader.
internal sealed class FormulaJson
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("versions")] public VersionsJson? Versions { get; set; }
    [JsonPropertyName("revision")] public int? Revision { get; set; }
    [JsonPropertyName("disabled")] public bool? Disabled { get; set; }
    [JsonPropertyName("bottle")] public BottleJson? Bottle { get; set; }
}

internal sealed class VersionsJson
{
    [JsonPropertyName("stable")] public string? Stable { get; set; }
}

internal sealed class BottleJson
{
    [JsonPropertyName("stable")] public BottleSpecJson? Stable { get; set; }
}

internal sealed class BottleSpecJson
{
    [JsonPropertyName("rebuild")] public int? Rebuild { get; set; }
    [JsonPropertyName("files")] public Dictionary<string, BottleFileJson?>? Files { get; set; }
}

internal sealed class BottleFileJson
{
    [JsonPropertyName("cellar")] public string? Cellar { get; set; }
    [JsonPropertyName("url")] public string? Url { get; set; }
    [JsonPropertyName("sha256")] public string? Sha256 { get; set; }
}

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(FormulaJson))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
