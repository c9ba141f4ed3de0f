using System.Text.Json.Nodes;

namespace HomebrewSync.Infra.Tests;

/// <summary>The state machine's Amazon States Language, read from a synthesized template.</summary>
public static class StateMachineDefinition
{
    /// <summary>
    /// The definition, read the way the policy rules read it (<see cref="Policies.TemplateChecks.ReadDefinition"/>): each
    /// CloudFormation reference inside it written as <c>REF</c>, a function of the stack as <c>arn:REF:lambda:REF:REF:function:ID</c>.
    /// </summary>
    public static JsonObject Read(Synthesized stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var definition = stack.Single("AWS::StepFunctions::StateMachine")["Properties"]!["DefinitionString"]!;
        return Policies.TemplateChecks.ReadDefinition(stack.Json, definition) ?? throw new InvalidOperationException("the state machine's definition cannot be read");
    }

    public static JsonObject States(Synthesized stack) => Read(stack)["States"]!.AsObject();
}
