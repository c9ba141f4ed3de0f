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
            if (resource?["Type"]?.GetValue<string>() == "AWS::Lambda::Function"
                && resource["Properties"]?["Runtime"] is JsonValue runtime && runtime.TryGetValue<string>(out var name)
                && LambdaRuntimes.Problem(name, today) is { } problem)
            {
                errors.Add($"{id}: [{PolicyRule.LambdaRuntime}] {problem}");
            }
        }
        return errors;
    }
}
