using HomebrewSync.Contracts;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// Where a run stands after a host's part of it: for a run in one go, its end; for a saved plan executed in
/// several invocations, the numbers so far (cumulative) and what is left.
/// </summary>
/// <param name="PlanKey">The saved plan, or null for a run planned and executed in one process.</param>
/// <param name="Remaining">Bottles not attempted yet (a time budget ran out); 0 when the run is over.</param>
/// <param name="BytesTransferred">Bytes fetched from the registry, this run so far.</param>
/// <param name="HashFile">The hash file after this part, when this part wrote it.</param>
public sealed record SyncOutcome(
    SyncPlan Plan,
    string? PlanKey,
    IReadOnlyList<PlannedBottle> Stored,
    IReadOnlyList<BottleFailure> Failed,
    int Remaining,
    long BytesTransferred,
    TimeSpan Duration,
    int Invocations,
    HashFile? HashFile)
{
    /// <summary>What became of Homebrew's API files (when the run mirrors them).</summary>
    public IReadOnlyList<Api.ApiFileResult> Api { get; init; } = [];

    /// <summary>Image indexes of mirrored versions the run could not keep, each with why (brew 6.0.13+ will not install those bottles from the mirror).</summary>
    public IReadOnlyList<string> IndexesNotKept { get; init; } = [];

    /// <summary>The run's status documents (<c>status/…</c>) the store refused to write, each with why (a link in their place, left as it is).</summary>
    public IReadOnlyList<string> StatusNotWritten { get; init; } = [];

    /// <summary>What became of the mirror of brew's git repository (when one is configured and this host has git).</summary>
    internal BrewGit.BrewGitResult? BrewGit { get; init; }

    /// <summary>Why brew's repository was not brought up to date this run; null when it was, or is not mirrored here.</summary>
    public string? BrewGitProblem => BrewGit?.Problem;

    /// <summary>
    /// Every bottle is attempted, but the run's finish (image indexes, API files, the report) is left to the next invocation,
    /// which has its whole time budget for it.
    /// </summary>
    public bool FinishLeft { get; init; }

    public bool Done => Remaining == 0 && !FinishLeft;

    /// <summary>Some bottles failed, an image index could not be kept, an API file, brew's repository or a status document could not be brought up to date: exit code 3, "completed with warnings".</summary>
    public bool HasFailures => Failed.Count > 0 || IndexesNotKept.Count > 0 || Api.Any(a => a.IsProblem) || BrewGit?.Problem is not null || StatusNotWritten.Count > 0;
}
