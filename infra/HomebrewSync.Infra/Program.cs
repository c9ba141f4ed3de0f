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
    return errors.Length == 0 ? 0 : 1;
}
catch (SettingsException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
