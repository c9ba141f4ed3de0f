using System.Text.Json.Nodes;

namespace HomebrewSync.TestSupport.StateMachine;

/// <summary>
/// A stage's state machine as the deployment will run it: the Amazon States Language of the synthesized template
/// (<see cref="CliSynthesis.ForStateMachine"/>), with each Lambda task's function named by its logical id, and the
/// handler each function is deployed with, so a walk can invoke the handler the deployment would.
/// </summary>
public sealed class SynthesizedStateMachine
{
    private const string FunctionArn = "arn:REF:lambda:REF:REF:function:";
    private readonly JsonObject _resources;

    public SynthesizedStateMachine(string templateText)
    {
        _resources = JsonNode.Parse(templateText)!["Resources"]!.AsObject();
        var machine = _resources.Select(kv => kv.Value!.AsObject()).Single(r => r["Type"]!.GetValue<string>() == "AWS::StepFunctions::StateMachine");
        Definition = ReadDefinition(machine["Properties"]!["DefinitionString"]!);
    }

    /// <summary>The stage's state machine, synthesized once per test run (<paramref name="configDir"/>: a config folder of the test's own).</summary>
    public static SynthesizedStateMachine For(string stage, string? configDir = null) => new(CliSynthesis.ForStateMachine(stage, configDir).TemplateText);

    public JsonObject Definition { get; }

    /// <summary>The handler (<c>assembly::type::method</c>) of the Lambda function a Task state invokes; null for a task that is no Lambda invoke.</summary>
    public string? HandlerOf(TaskCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var resource = call.Definition["Resource"]!.GetValue<string>();
        if (!resource.StartsWith(FunctionArn, StringComparison.Ordinal))
        {
            return resource.Contains(":lambda:", StringComparison.Ordinal)
                ? throw new NotSupportedException($"{call.State}: Lambda resource {resource} is not a function of the stack")
                : null;
        }
        return _resources[resource[FunctionArn.Length..]]?["Properties"]?["Handler"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"{call.State}: {resource} names no function with a handler");
    }

    /// <summary>ECS RunTask (.sync): the task definition runs with the command the state's parameters give its container.</summary>
    public static bool IsEcsRunTask(TaskCall call) => call?.Definition["Resource"]?.GetValue<string>().EndsWith(":ecs:runTask.sync", StringComparison.Ordinal) == true;

    /// <summary>The command a RunTask state gives the container (<c>Overrides.ContainerOverrides[0].Command</c>).</summary>
    public static string[] EcsCommand(TaskCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var overrides = call.Parameters?["Overrides"]?["ContainerOverrides"]?.AsArray() ?? throw new InvalidOperationException($"{call.State}: no container overrides");
        return overrides is [JsonObject container]
            ? container["Command"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray()
            : throw new InvalidOperationException($"{call.State}: {overrides.Count} container overrides, expected one");
    }

    /// <summary>
    /// The DefinitionString: a string, or an Fn::Join of strings and references; a function of the stack (Fn::GetAtt ...Arn)
    /// is written <c>arn:REF:lambda:REF:REF:function:ID</c>, any other reference <c>REF</c> (as the policy rules read it).
    /// </summary>
    private JsonObject ReadDefinition(JsonNode definitionString)
    {
        string Part(JsonNode? part) => part switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject { Count: 1 } o when o["Fn::GetAtt"] is JsonArray { Count: 2 } getAtt && FunctionId(getAtt) is { } id => FunctionArn + id,
            _ => "REF",
        };
        var text = definitionString switch
        {
            JsonValue v => v.GetValue<string>(),
            JsonObject o when o["Fn::Join"] is JsonArray { Count: 2 } join && join[1] is JsonArray parts => string.Join(join[0]!.GetValue<string>(), parts.Select(Part)),
            _ => throw new NotSupportedException($"DefinitionString {definitionString.ToJsonString()} is not a string or an Fn::Join"),
        };
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>The logical id of <c>Fn::GetAtt [id, Arn]</c> when it is a Lambda function of the stack.</summary>
    private string? FunctionId(JsonArray getAtt)
    {
        var id = getAtt[0]!.GetValue<string>();
        return getAtt[1]!.GetValue<string>() == "Arn" && _resources[id]?["Type"]?.GetValue<string>() == "AWS::Lambda::Function" ? id : null;
    }
}
