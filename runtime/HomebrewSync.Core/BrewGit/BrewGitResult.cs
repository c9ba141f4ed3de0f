namespace HomebrewSync.Core.BrewGit;

/// <summary>What a run did to the mirror of brew's repository: packs uploaded, whether its refs were published, and why not.</summary>
/// <param name="Problem">Why the refs were not brought up to date (held back, git failed); null when they were.</param>
internal sealed record BrewGitResult(int PacksUploaded, bool RefsPublished, string? Problem);
