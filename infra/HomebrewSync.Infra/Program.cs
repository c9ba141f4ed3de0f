using HomebrewSync.Contracts;
using HomebrewSync.Infra;

try
{
    var (app, _) = InfraApp.Build();
    app.Synth();
    return 0;
}
catch (SettingsException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
