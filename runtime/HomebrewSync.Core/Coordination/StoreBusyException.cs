namespace HomebrewSync.Core.Coordination;

/// <summary>Another command holds the store in a way this one cannot share; nothing was changed.</summary>
public sealed class StoreBusyException(string message) : Exception(message);
