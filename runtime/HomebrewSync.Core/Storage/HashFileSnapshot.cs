using HomebrewSync.Core.HashFiles;

namespace HomebrewSync.Core.Storage;

/// <summary>The hash file as read, with the version a conditional write must match.</summary>
public sealed record HashFileSnapshot(HashFile HashFile, string Version);
