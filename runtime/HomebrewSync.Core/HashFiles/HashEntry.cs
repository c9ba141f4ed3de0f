namespace HomebrewSync.Core.HashFiles;

/// <summary>One bottle in bottles_hash.json, keyed by <c>&lt;name&gt;-&lt;version&gt;-&lt;tag&gt;</c>.</summary>
public sealed record HashEntry(
    string Sha256,
    DateOnly DownloadDate,
    long FileSize,
    string FormulaName,
    string FormulaVersion,
    string Platform,
    string Url,
    string S3Key);
