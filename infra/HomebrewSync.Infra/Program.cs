using HomebrewSync.Contracts;
using HomebrewSync.Infra;

try
{
    var (app, _) = InfraApp.Build();
    var assembly = app.Synth();
    // Policy violations are error annotations: the run fails and names each construct and rule.
    var messages = assembly.Stacks.SelectMany(s => s.Messages).ToArray();
    foreach (var m in messages.Where(m => m.Level == Amazon.CDK.CXAPI.SynthesisMessageLevel.INFO && m.Entry.Data?.ToString()?.Contains("suppressed:", StringComparison.Ordinal) == true))
    {
        Console.Error.WriteLine($"policy {m.Id}: {m.Entry.Data}");
    }
    var errors = messages.Where(m => m.Level == Amazon.CDK.CXAPI.SynthesisMessageLevel.ERROR).ToArray();
    foreach (var e in errors)
    {
        Console.Error.WriteLine($"ERROR {e.Id}: {e.Entry.Data}");
    }
    // Rules over the final templates, overrides included (the runtimes of CDK's own functions).
    var today = DateOnly.FromDateTime(DateTime.UtcNow);
    var templateErrors = assembly.Stacks
        .SelectMany(s => HomebrewSync.Infra.Policies.TemplateChecks.Check(System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(s.Template))!.AsObject(), today)
            .Select(e => $"ERROR {s.StackName}/{e}"))
        .ToArray();
    foreach (var e in templateErrors)
    {
        Console.Error.WriteLine(e);
    }
    return errors.Length == 0 && templateErrors.Length == 0 ? 0 : 1;
}
catch (SettingsException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
