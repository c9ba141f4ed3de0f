using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Pipeline;

/// <summary>What to fetch before sizes are known, and the hash file it was planned against.</summary>
internal sealed record PlanDraft(PlanOutcome Outcome, HashFileSnapshot? Snapshot);
