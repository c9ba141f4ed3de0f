using System.Text.Json;
using System.Text.Json.Nodes;
using System.Diagnostics.CodeAnalysis;

namespace HomebrewSync.Contracts.Deployment;

/// <summary>
/// Reads <c>prod.json</c> and lays <c>&lt;stage&gt;.json</c> over it, key by key, as dev.tfvars overrides prod's defaults;
/// for a per-developer stack, the stage file's <c>per_developer</c> object goes on top.
/// </summary>
public static class DeploymentConfigLoader
{
    public const string BaseStage = "prod";
    public const string PerDeveloper = "per_developer";
    private const string ForTheCdkProgram = "The deployment's config is read by the CDK program (a managed build), never by the native CLI.";

    /// <summary>
    /// The reflection-based reader, which leaves a key the file lacks at the property's default (the build-time one sets
    /// every init-only property); a key the config does not define is an error, and so is a null for a setting that
    /// cannot be null (<c>"aws_account": null</c>).
    /// </summary>
    private static readonly JsonSerializerOptions Options = new()
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    /// <param name="owner">The developer of a per-developer stack; null for the stage's own.</param>
    /// <exception cref="SettingsException">Unreadable files or invalid values, all listed.</exception>
    [RequiresUnreferencedCode(ForTheCdkProgram)]
    [RequiresDynamicCode(ForTheCdkProgram)]
    public static DeploymentConfig Load(string configDirectory, string stage, string? owner = null)
    {
        var errors = new List<string>();
        var merged = ReadObject(Path.Combine(configDirectory, BaseStage + ".json"), errors);
        var stageFile = stage == BaseStage ? merged : ReadObject(Path.Combine(configDirectory, stage + ".json"), errors);
        var perDeveloper = stageFile[PerDeveloper] as JsonObject;
        stageFile.Remove(PerDeveloper);
        merged.Remove(PerDeveloper);
        if (stage != BaseStage)
        {
            LayOver(merged, stageFile);
        }
        if (owner is not null && perDeveloper is not null)
        {
            LayOver(merged, perDeveloper);
        }
        // No list of the config holds a null (a platform tag, a zone, an address); the reader checks members, not elements.
        NullsInside(merged, "", errors);
        if (errors.Count > 0)
        {
            throw new SettingsException(errors);
        }
        DeploymentConfig config;
        try
        {
            config = merged.Deserialize<DeploymentConfig>(Options)
                ?? throw new SettingsException(["config: empty"]);
        }
        catch (JsonException ex)
        {
            throw new SettingsException([$"config/{stage}.json (over prod.json): {ex.Message}"]);
        }
        var invalid = DeploymentConfigValidator.Validate(config);
        return invalid.Count == 0 ? config : throw new SettingsException(invalid);
    }

    /// <summary>Every null inside a list, at any depth (<c>target_platforms[1]</c>), as an error.</summary>
    private static void NullsInside(JsonNode node, string path, List<string> errors)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                if (value is not null)
                {
                    NullsInside(value, path.Length == 0 ? key : $"{path}.{key}", errors);
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is { } item)
                {
                    NullsInside(item, $"{path}[{i}]", errors);
                }
                else
                {
                    errors.Add($"{path}[{i}]: null is not a value");
                }
            }
        }
    }

    private static void LayOver(JsonObject target, JsonObject overrides)
    {
        foreach (var (key, value) in overrides.ToArray())
        {
            overrides.Remove(key);
            target[key] = value;
        }
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
