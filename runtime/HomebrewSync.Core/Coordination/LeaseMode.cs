namespace HomebrewSync.Core.Coordination;

/// <summary>Whether a command can share the store with others of its kind.</summary>
internal enum LeaseMode
{
    /// <summary>Syncs (every host): they only add, and their hash-file writes are conditional, so any number run at once.</summary>
    Shared,

    /// <summary>Prune and a hash-file rebuild: they remove or rewrite what others rely on, so they run alone.</summary>
    Exclusive,
}
