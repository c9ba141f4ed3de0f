namespace HomebrewSync.Core.Coordination;

/// <summary>This command's lease on the store expired or was taken over while it worked, so it stopped before changing more.</summary>
public sealed class StoreLeaseLostException(string message, Exception? inner = null) : Exception(message, inner);
