using System.Text.Json.Serialization;
using HomebrewSync.Contracts;

namespace HomebrewSync.Cli.Output;

// What --json prints, one record per command. Property order is the output's order; names are snake_case (JsonOutput).

/// <summary>Bottles one target tag gets, and through which bottle tags (brew's fallback).</summary>
internal sealed record TargetJson(string Target, int Count, long Bytes, Dictionary<string, int> Via);

internal sealed record ApiFileJson(string Path, string Status, string? Detail);

internal sealed record PlanJson(
    string SyncDate, string Store, int Bottles, long TotalBytes, int Skipped, int Unsized, int FormulaeRead, int DisabledSkipped,
    IReadOnlyList<TargetJson> ByTarget, int Retired, int Renamed, int ImageIndexes, IReadOnlyList<string> PortableRuby,
    IReadOnlyList<ApiFileJson> ApiFiles, IReadOnlyList<string> Warnings, SyncPlan Plan);

internal sealed record FailedJson(string Key, string Kind, string Reason);

internal sealed record SyncJson(
    string SyncDate, string? PlanKey, int Stored, int Skipped, IReadOnlyList<FailedJson> Failed, int Remaining, long BytesTransferred,
    double DurationSeconds, string HashFile, int? HashFileBottles, IReadOnlyList<ApiFileJson> ApiFiles, IReadOnlyList<string> IndexesNotKept,
    string? BrewGitProblem, IReadOnlyList<string> StatusNotWritten);

internal sealed record PlatformJson(string Platform, int Count, long TotalSizeBytes);

internal sealed record StatsTargetJson(string Target, int Count, long TotalSizeBytes, Dictionary<string, int> Via);

internal sealed record PortableRubyJson(string Version, string Platform, long Bytes);

internal sealed record DateJson(string Date, int Count, long TotalSizeBytes);

internal sealed record StatsJson(
    string HashFile, DateTimeOffset? LastUpdated, string? SyncVersion, int TotalBottles, long TotalSizeBytes, IReadOnlyList<PlatformJson> ByPlatform,
    IReadOnlyList<StatsTargetJson> ByTarget, IReadOnlyList<PortableRubyJson> PortableRuby, IReadOnlyList<DateJson> ByDate);

internal sealed record ProblemJson(string Kind, string Key, string Detail);

internal sealed record VerifyJson(bool HashFileFound, int EntriesChecked, int FilesRehashed, bool IsClean, int Unlisted, IReadOnlyList<ProblemJson> Problems);

internal sealed record PruneItemJson(string ObjectKey, long Size, string? HashKey, string Reason);

internal sealed record PruneJson(
    bool DryRun, string Cutoff, IReadOnlyList<PruneItemJson> Superseded, IReadOnlyList<PruneItemJson> Unlisted,
    [property: JsonPropertyName("manifests")] IReadOnlyList<PruneItemJson> ImageIndexes, // the key predates the word "image index"; kept for scripts that read it
    int Kept, int HeldByApi, int Removed, long RemovedBytes, IReadOnlyList<PruneItemJson> LeftInPlace, string? WouldRefuse);

/// <summary>The documents' JSON, generated at build time (the native CLI has no reflection-based serializer).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PlanJson))]
[JsonSerializable(typeof(SyncJson))]
[JsonSerializable(typeof(StatsJson))]
[JsonSerializable(typeof(VerifyJson))]
[JsonSerializable(typeof(PruneJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
