namespace HomebrewSync.Core.Pruning;

/// <summary>What is wanted could not be read completely (catalog, hash file, API files): nothing is pruned on a partial view.</summary>
public sealed class PruneRefusedException(string message) : Exception(message);
