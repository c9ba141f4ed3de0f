using System.Text.Json.Nodes;

namespace HomebrewSync.Infra.Policies;

/// <summary>
/// The rules that look at the synthesized template itself, overrides included: every Lambda function, CDK's own
/// custom-resource providers too, must run on a runtime AWS still supports (<see cref="LambdaRuntimes"/>).
/// Run by the app after synthesis (a violation makes <c>cdk synth</c> fail) and by the tests.
/// </summary>
public static class TemplateChecks
{
    public static IReadOnlyList<string> Check(JsonObject template, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(template);
        var errors = new List<string>();
        foreach (var (id, resource) in template["Resources"]?.AsObject() ?? [])
        {
            if (resource?["Type"]?.GetValue<string>() != "AWS::Lambda::Function" || resource["Properties"]?["Runtime"] is not { } runtime)
            {
                continue;
            }
            var candidates = Runtimes(template, runtime);
            if (candidates is null)
            {
                errors.Add($"{id}: [{PolicyRule.LambdaRuntime}] runtime {runtime.ToJsonString()} cannot be read from the template; give a runtime name or a Fn::FindInMap of names");
                continue;
            }
            var problems = candidates.Distinct().Select(name => LambdaRuntimes.Problem(name, today)).OfType<string>().ToArray();
            if (problems.Length > 0)
            {
                errors.Add($"{id}: [{PolicyRule.LambdaRuntime}] {string.Join("; ", problems)}");
            }
        }
        return errors;
    }

    /// <summary>
    /// The runtime names a function may get: the name itself, or every value of the mapping a Fn::FindInMap picks from
    /// (CDK writes one for its own providers in a stack with no region); null when the template does not say.
    /// </summary>
    private static IReadOnlyList<string>? Runtimes(JsonObject template, JsonNode runtime)
    {
        if (runtime is JsonValue v && v.TryGetValue<string>(out var name))
        {
            return [name];
        }
        if (runtime["Fn::FindInMap"] is JsonArray { Count: 3 } find
            && find[0] is JsonValue map && map.TryGetValue<string>(out var mapName)
            && find[2] is JsonValue second && second.TryGetValue<string>(out var secondKey)
            && template["Mappings"]?[mapName] is JsonObject mapping)
        {
            var values = mapping.Select(kv => kv.Value?[secondKey]).ToArray();
            return values.All(n => n is JsonValue s && s.TryGetValue<string>(out _)) ? values.Select(n => n!.GetValue<string>()).ToArray() : null;
        }
        return null;
    }
}
