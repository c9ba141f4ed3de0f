namespace HomebrewSync.Cli;

/// <summary>Where the command line writes: results to Out, progress and diagnostics to Error.</summary>
/// <param name="Interactive">Error is a terminal, so a live progress line can be redrawn.</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool Interactive);
