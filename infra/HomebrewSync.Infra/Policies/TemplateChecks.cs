using System.Text.Json;
using System.Text.Json.Nodes;
using HomebrewSync.Contracts;

namespace HomebrewSync.Infra.Policies;

/// <summary>
/// The rules that look at the synthesized template itself, overrides included: every Lambda function, CDK's own
/// custom-resource providers too, must run on a runtime AWS still supports (<see cref="LambdaRuntimes"/>); every
/// Lambda task of a state machine retries throttling; every ECS RunTask state has a timeout; no ARN names the
/// <c>aws</c> partition literally; a public function URL (AuthType NONE) serves a function that checks tokens or client networks. Run by the app after synthesis (a violation makes <c>cdk synth</c> fail) and by the tests.
/// </summary>
public static class TemplateChecks
{
    /// <summary>The error a throttled Lambda invoke fails with; every Lambda task must retry it.</summary>
    public const string LambdaThrottlingError = "Lambda.TooManyRequestsException";

    /// <summary>How a literal commercial-partition ARN starts; <c>arn:${AWS::Partition}:</c> works in aws-cn and aws-us-gov too.</summary>
    public const string LiteralPartition = "arn:aws:";

    public static IReadOnlyList<string> Check(JsonObject template, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(template);
        var errors = new List<string>();
        foreach (var (id, resource) in template["Resources"]?.AsObject() ?? [])
        {
            var type = resource?["Type"]?.GetValue<string>();
            if (type == "AWS::Lambda::Function" && resource!["Properties"]?["Runtime"] is { } runtime)
            {
                CheckRuntime(template, id, runtime, today, errors);
            }
            if (type == "AWS::Lambda::Url")
            {
                CheckFunctionUrl(template, id, resource!["Properties"], errors);
            }
            if (type == "AWS::StepFunctions::StateMachine")
            {
                CheckStateMachine(id, ReadDefinition(template, resource!["Properties"]?["DefinitionString"]), errors);
            }
        }
        foreach (var (section, node) in template)
        {
            var parts = section == "Resources" && node is JsonObject resources ? resources.Select(kv => (kv.Key, kv.Value)) : [(section, node)];
            foreach (var (id, value) in parts)
            {
                if (Strings(value).Any(s => s.Contains(LiteralPartition, StringComparison.Ordinal)))
                {
                    errors.Add($"{id}: [{PolicyRule.ArnPartition}] an ARN names the partition literally ({LiteralPartition}); build it with Stack.FormatArn or Aws.PARTITION so the stack deploys in aws-cn and aws-us-gov too");
                }
            }
        }
        return errors;
    }

    private static void CheckRuntime(JsonObject template, string id, JsonNode runtime, DateOnly today, List<string> errors)
    {
        var candidates = Runtimes(template, runtime);
        if (candidates is null)
        {
            errors.Add($"{id}: [{PolicyRule.LambdaRuntime}] runtime {runtime.ToJsonString()} cannot be read from the template; give a runtime name or a Fn::FindInMap of names");
            return;
        }
        var problems = candidates.Distinct().Select(name => LambdaRuntimes.Problem(name, today)).OfType<string>().ToArray();
        if (problems.Length > 0)
        {
            errors.Add($"{id}: [{PolicyRule.LambdaRuntime}] {string.Join("; ", problems)}");
        }
    }

    /// <summary>
    /// A function URL anyone on the internet can call must lead to a function that lets in only some of them: it is given
    /// a token secret (or file), or a non-empty list of client networks. Otherwise the mirror is open at the owner's egress cost.
    /// </summary>
    private static void CheckFunctionUrl(JsonObject template, string id, JsonNode? properties, List<string> errors)
    {
        if (properties?["AuthType"] is not JsonValue auth || auth.GetValue<string>() != "NONE")
        {
            return;
        }
        var target = properties["TargetFunctionArn"] is JsonNode arn
            ? arn["Fn::GetAtt"] is JsonArray a ? a[0]?.GetValue<string>() : arn["Ref"]?.GetValue<string>()
            : null;
        var variables = target is null ? null : template["Resources"]?[target]?["Properties"]?["Environment"]?["Variables"] as JsonObject;
        static bool Set(JsonObject? v, string name) => v?[name] is JsonNode value && (value is not JsonValue text || !string.IsNullOrWhiteSpace(text.GetValue<string>()));
        if (!Set(variables, EnvVars.ServeTokenSecretName) && !Set(variables, EnvVars.ServeTokenFile) && !Set(variables, EnvVars.ServeAllowedCidrs))
        {
            errors.Add($"{id}: [{PolicyRule.OpenFunctionUrl}] a public function URL (AuthType NONE) whose function {target ?? "(not in this template)"} checks neither tokens "
                + $"({EnvVars.ServeTokenSecretName}) nor client networks ({EnvVars.ServeAllowedCidrs}): anyone who learns the address can use it; set brew_endpoint.auth or brew_endpoint.allowed_cidrs");
        }
    }

    /// <summary>Every Task state, nested ones included: a Lambda task retries throttling, an ECS RunTask has a timeout.</summary>
    private static void CheckStateMachine(string id, JsonObject? definition, List<string> errors)
    {
        if (definition is null)
        {
            errors.Add($"{id}: [{PolicyRule.LambdaTaskThrottling}] the state machine's definition cannot be read from the template (a string, or an Fn::Join of strings and references)");
            return;
        }
        foreach (var (name, state) in States(definition).Where(s => s.State["Type"]?.GetValue<string>() == "Task"))
        {
            var resource = state["Resource"] is JsonValue r && r.TryGetValue<string>(out var text) ? text : "";
            if (resource.Contains(":states:::lambda:invoke", StringComparison.Ordinal) || (resource.Contains(":lambda:", StringComparison.Ordinal) && resource.Contains(":function:", StringComparison.Ordinal)))
            {
                var retried = (state["Retry"] as JsonArray ?? []).Any(retrier =>
                    (retrier?["MaxAttempts"] is not JsonValue attempts || attempts.GetValue<int>() > 0)
                    && (retrier?["ErrorEquals"] as JsonArray ?? []).Any(e => e?.GetValue<string>() == LambdaThrottlingError));
                if (!retried)
                {
                    errors.Add($"{id}: [{PolicyRule.LambdaTaskThrottling}] the Lambda task state {name} does not retry {LambdaThrottlingError}: a throttled invoke would fail the run");
                }
            }
            if (resource.Contains(":states:::ecs:runTask", StringComparison.Ordinal) && state["TimeoutSeconds"] is null && state["TimeoutSecondsPath"] is null)
            {
                errors.Add($"{id}: [{PolicyRule.EcsTaskTimeout}] the ECS task state {name} has no TimeoutSeconds: a hung task would run until the execution times out");
            }
        }
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

    private static IEnumerable<(string Name, JsonObject State)> States(JsonObject definition)
    {
        foreach (var (name, node) in definition["States"] as JsonObject ?? [])
        {
            if (node is not JsonObject state)
            {
                continue;
            }
            yield return (name, state);
            var nested = (state["Branches"] as JsonArray ?? []).OfType<JsonObject>()
                .Concat(new[] { state["Iterator"], state["ItemProcessor"] }.OfType<JsonObject>());
            foreach (var inner in nested.SelectMany(States))
            {
                yield return inner;
            }
        }
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        JsonArray a => a.SelectMany(Strings),
        JsonObject o => o.SelectMany(kv => Strings(kv.Value).Prepend(kv.Key)),
        _ => [],
    };

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
