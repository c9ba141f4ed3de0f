using System.Text.Json;
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
    /// A state machine's definition as the template gives it (a string, or an Fn::Join of strings and references), each
    /// reference read as the text <c>REF</c>, except a reference to a function of the template, which reads as a function
    /// ARN (<c>arn:REF:lambda:REF:REF:function:LOGICALID</c>): a Lambda task with the payload as its result names the
    /// function itself as its Resource. Null when that does not give a JSON object.
    /// </summary>
    public static JsonObject? ReadDefinition(JsonObject template, JsonNode? definitionString)
    {
        ArgumentNullException.ThrowIfNull(template);
        string Part(JsonNode? part) => part switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o when ReferencedId(o) is { } id && template["Resources"]?[id]?["Type"]?.GetValue<string>() == "AWS::Lambda::Function" => $"arn:REF:lambda:REF:REF:function:{id}",
            _ => "REF",
        };
        var text = definitionString switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o when o["Fn::Join"] is JsonArray { Count: 2 } join && join[0] is JsonValue sep && sep.TryGetValue<string>(out var separator) && join[1] is JsonArray parts =>
                string.Join(separator, parts.Select(Part)),
            _ => null,
        };
        try
        {
            return text is null ? null : JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ReferencedId(JsonObject reference) =>
        reference["Ref"] is JsonValue r && r.TryGetValue<string>(out var id) ? id
        : reference["Fn::GetAtt"] is JsonArray { Count: 2 } a && a[0] is JsonValue g && g.TryGetValue<string>(out var target) ? target
        : null;

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
