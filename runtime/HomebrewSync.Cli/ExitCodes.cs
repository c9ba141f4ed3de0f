namespace HomebrewSync.Cli;

/// <summary>The process exit codes; documented in the README and in --help.</summary>
public static class ExitCodes
{
    /// <summary>Everything asked for was done (a sync with nothing new included).</summary>
    public const int Success = 0;

    /// <summary>The run could not proceed: unreachable or malformed catalog, corrupt hash file, unusable store.</summary>
    public const int Fatal = 1;

    /// <summary>Bad usage or input: unknown command or option, invalid value, unknown platform tag or formula.</summary>
    public const int Usage = 2;

    /// <summary>The sync finished but some bottles failed; or verify found problems.</summary>
    public const int CompletedWithFailures = 3;

    /// <summary>A time budget (TIME_BUDGET_SECONDS) ended the run with bottles left; run again to go on.</summary>
    public const int Incomplete = 4;

    /// <summary>prune: another command (a sync, a rebuild) holds the store; nothing was removed. Run it again later.</summary>
    public const int StoreBusy = 5;

    /// <summary>Interrupted (Ctrl+C / SIGTERM); what was stored is recorded in the hash file.</summary>
    public const int Interrupted = 130;
}
