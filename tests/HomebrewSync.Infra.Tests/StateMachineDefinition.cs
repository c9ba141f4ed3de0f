using System.Text.Json.Nodes;

namespace HomebrewSync.Infra.Tests;

/// <summary>The state machine's Amazon States Language, read from a synthesized template.</summary>
public static class StateMachineDefinition
{
    /// <summary>The definition, with each CloudFormation reference inside it written as <c>REF</c>.</summary>
    public static JsonObject Read(Synthesized stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var definition = stack.Single("AWS::StepFunctions::StateMachine")["Properties"]!["DefinitionString"]!;
        var text = definition is JsonValue v
            ? v.GetValue<string>()
            : string.Concat(definition["Fn::Join"]![1]!.AsArray().Select(p => p is JsonValue s && s.TryGetValue<string>(out var part) ? part : "REF"));
        return JsonNode.Parse(text)!.AsObject();
    }

    public static JsonObject States(Synthesized stack) => Read(stack)["States"]!.AsObject();
}
