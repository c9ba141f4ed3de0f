using System.Runtime.InteropServices;
using HomebrewSync.Cli;
using HomebrewSync.Contracts;

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C stops gracefully (the hash file is written); a second one kills.
    if (!cts.IsCancellationRequested)
    {
        e.Cancel = true;
        cts.Cancel();
    }
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    cts.Cancel();
});

var console = new CliConsole(Console.Out, Console.Error, Interactive: !Console.IsErrorRedirected);
return await CliApp.RunAsync(args, SyncSettingsReader.ProcessEnvironment(), console, TimeProvider.System, cts.Token);
