using System.Text.Json;
using System.Text.Json.Nodes;

namespace HomebrewSync.Contracts.Deployment;

/// <summary>Reads <c>prod.json</c> and lays <c>&lt;stage&gt;.json</c> over it, key by key, as dev.tfvars overrides prod's defaults.</summary>
public static class DeploymentConfigLoader
{
    public const string BaseStage = "prod";

    /// <exception cref="SettingsException">Unreadable files or invalid values, all listed.</exception>
    public static DeploymentConfig Load(string configDirectory, string stage)
    {
        var errors = new List<string>();
        var merged = ReadObject(Path.Combine(configDirectory, BaseStage + ".json"), errors);
        if (stage != BaseStage)
        {
            var overrides = ReadObject(Path.Combine(configDirectory, stage + ".json"), errors);
            foreach (var (key, value) in overrides.ToArray())
            {
                overrides.Remove(key);
                merged[key] = value;
            }
        }
        if (errors.Count > 0)
        {
            throw new SettingsException(errors);
        }
        DeploymentConfig config;
        try
        {
            config = merged.Deserialize<DeploymentConfig>(new JsonSerializerOptions { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow })
                ?? throw new SettingsException(["config: empty"]);
        }
        catch (JsonException ex)
        {
            throw new SettingsException([$"config/{stage}.json (over prod.json): {ex.Message}"]);
        }
        var invalid = DeploymentConfigValidator.Validate(config);
        return invalid.Count == 0 ? config : throw new SettingsException(invalid);
    }

    private static JsonObject ReadObject(string path, List<string> errors)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            errors.Add($"{path}: {ex.Message}");
            return [];
        }
    }
}
