using HomebrewSync.Core.Manifest;

namespace HomebrewSync.Core.Storage;

/// <summary>The hash file as read, with the version a conditional write must match.</summary>
public sealed record ManifestSnapshot(HashManifest Manifest, string Version);
