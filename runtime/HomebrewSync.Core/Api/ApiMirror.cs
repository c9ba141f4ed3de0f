using System.Security.Cryptography;
using HomebrewSync.Contracts;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;
using Polly.Timeout;

namespace HomebrewSync.Core.Api;

/// <summary>
/// Homebrew's signed API files, mirrored consistently with the bottles: fetched and verified with the catalog,
/// published at <c>api/&lt;path&gt;</c> only once every planned bottle of the file's tags is stored, byte for byte
/// (brew checks the signature), and not rewritten when unchanged, so the mirror's Last-Modified means "when this
/// mirror got these bytes".
/// </summary>
internal sealed class ApiMirror(IApiFileSource source, IDocumentStore documents, JwsVerifier verifier, SyncSettings settings)
{
    public const string StorePrefix = "api/";
    public const string JwsContentType = "application/json";

    /// <summary>The files to mirror: each target tag's (and each extra tag's) <c>internal/packages.&lt;tag&gt;.jws.json</c>, and the legacy files when asked.</summary>
    public static IReadOnlyList<(string Path, IReadOnlyList<string> Tags)> Files(IReadOnlyList<string> targets, SyncSettings settings)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(settings);
        var files = targets.Concat(settings.ApiTags).Distinct(StringComparer.Ordinal)
            .Select(t => ($"internal/packages.{t}.jws.json", (IReadOnlyList<string>)[t]))
            .ToList();
        if (settings.ApiLegacy)
        {
            files.Add(("formula.jws.json", targets));
            files.Add(("cask.jws.json", targets));
        }
        return files;
    }

    /// <summary>Fetches and verifies each file; what verifies is returned with its bytes, the rest with why not.</summary>
    public async Task<IReadOnlyList<(PlannedApiFile File, byte[]? Bytes)>> FetchAsync(IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var results = new List<(PlannedApiFile, byte[]?)>();
        foreach (var (path, tags) in Files(targets, settings))
        {
            byte[]? bytes;
            try
            {
                bytes = await source.GetAsync(path, cancellationToken);
            }
            catch (Exception ex) when (ex is TransientFailureException or BottleDownloadException or TimeoutRejectedException or IOException)
            {
                results.Add((new PlannedApiFile { Path = path, Tags = tags, Status = PlannedApiFile.Unreachable, Detail = ex.Message }, null));
                continue;
            }
            if (bytes is null)
            {
                results.Add((new PlannedApiFile { Path = path, Tags = tags, Status = PlannedApiFile.Missing, Detail = "the API has no such file (404)" }, null));
                continue;
            }
            if (verifier.Verify(bytes) is { } problem)
            {
                results.Add((new PlannedApiFile { Path = path, Tags = tags, Status = PlannedApiFile.Rejected, Detail = $"signature check failed: {problem}" }, null));
                continue;
            }
            results.Add((new PlannedApiFile { Path = path, Tags = tags, Status = PlannedApiFile.Fetched, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) }, bytes));
        }
        return results;
    }

    /// <summary>Publishes each fetched file whose tags' planned bottles are all stored; reports every file.</summary>
    /// <param name="fetched">Bytes the run holds, by path; a saved plan's are read from where they were staged.</param>
    /// <param name="unfinished">Planned bottles that failed or were not attempted.</param>
    /// <param name="targets">The run's target tags: a file of one of them names bottles the mirror carries.</param>
    /// <param name="mirror">The hash file after the run, to check what a target tag's file names against.</param>
    public async Task<IReadOnlyList<ApiFileResult>> PublishAsync(
        IReadOnlyList<PlannedApiFile> files, IReadOnlyDictionary<string, byte[]> fetched, IReadOnlyList<PlannedBottle> unfinished,
        IReadOnlyList<string> targets, HashFile? mirror, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(targets);
        var holds = mirror is null ? null : new MirrorHolds(
            mirror.Bottles.Values.Select(e => e.Sha256).ToHashSet(StringComparer.Ordinal),
            mirror.Bottles.Values.Select(e => e.FormulaName).ToHashSet(StringComparer.Ordinal));
        var results = new List<ApiFileResult>();
        foreach (var file in files)
        {
            switch (file.Status)
            {
                case PlannedApiFile.Rejected:
                    results.Add(new ApiFileResult(file.Path, ApiFileStatus.Rejected, $"{file.Detail}; the mirror keeps its previous copy"));
                    continue;
                case PlannedApiFile.Missing:
                    results.Add(new ApiFileResult(file.Path, ApiFileStatus.Missing, file.Detail ?? "missing"));
                    continue;
                case PlannedApiFile.Unreachable:
                    results.Add(new ApiFileResult(file.Path, ApiFileStatus.Unreachable, $"could not be fetched ({file.Detail}); the mirror keeps its previous copy"));
                    continue;
            }
            var holding = unfinished.Where(b => b.Serves.Intersect(file.Tags).Any() || (b.Serves.Count == 0 && file.Tags.Contains(b.Platform))).ToArray();
            if (holding.Length > 0 && !settings.ApiPublishWithFailures)
            {
                var names = string.Join(", ", holding.Take(5).Select(b => b.Key)) + (holding.Length > 5 ? $" and {holding.Length - 5} more" : "");
                results.Add(new ApiFileResult(file.Path, ApiFileStatus.HeldBack,
                    $"held back, the previous copy stays: {holding.Length} of its bottles are not in the mirror ({names}); {EnvVars.ApiPublishWithFailures}=true publishes it anyway"));
                continue;
            }
            var bytes = fetched.TryGetValue(file.Path, out var held) ? held
                : file.Staged is { } staged ? (await documents.GetDocumentAsync(staged, cancellationToken))?.Content : null;
            if (bytes is null || Convert.ToHexStringLower(SHA256.HashData(bytes)) != file.Sha256)
            {
                results.Add(new ApiFileResult(file.Path, ApiFileStatus.Unreachable, "the fetched copy was lost before it could be published; the next sync fetches it again"));
                continue;
            }
            if (!settings.ApiPublishWithFailures && holds is not null && file.Tags.All(targets.Contains) && Lacking(bytes, holds) is { Count: > 0 } lacking)
            {
                var names = string.Join(", ", lacking.Take(5).Select(l => $"{l.Formula} {l.Sha256[..12]}")) + (lacking.Count > 5 ? $" and {lacking.Count - 5} more" : "");
                results.Add(new ApiFileResult(file.Path, ApiFileStatus.HeldBack,
                    $"held back, the previous copy stays: it names {lacking.Count} bottles the mirror does not hold ({names}), published upstream after this sync read the catalog; the next sync mirrors them"));
                continue;
            }
            var key = StorePrefix + file.Path;
            try
            {
                if (await documents.GetDocumentAsync(key, cancellationToken) is { } current && current.Content.AsSpan().SequenceEqual(bytes))
                {
                    results.Add(new ApiFileResult(file.Path, ApiFileStatus.Unchanged, "unchanged upstream"));
                    continue;
                }
                await documents.PutDocumentAsync(key, bytes, JwsContentType, cancellationToken);
                results.Add(new ApiFileResult(file.Path, ApiFileStatus.Published, $"{bytes.Length:N0} bytes"));
            }
            catch (Exception ex) when (ex is UnsafeStoreKeyException or IOException)
            {
                // A link (or a folder) in its place is never written through, nor removed: this file is not published, the others are.
                results.Add(new ApiFileResult(file.Path, ApiFileStatus.Refused, ex.Message));
            }
        }
        return results;
    }

    /// <summary>
    /// Bottles the file tells clients to install that the mirror does not hold, for formulae the mirror carries (one it
    /// skips by choice, such as a disabled formula, is not its to hold). Upstream may publish between the sync's catalog
    /// read and its API fetch; a client given such a file would ask the mirror for a version it lacks.
    /// </summary>
    private static List<(string Formula, string Sha256)> Lacking(byte[] document, MirrorHolds mirror) =>
        ApiPayload.BottleChecksums(document)
            .Where(kv => mirror.Formulae.Contains(kv.Key) && !mirror.Sha256s.Contains(kv.Value))
            .Select(kv => (kv.Key, kv.Value))
            .OrderBy(l => l.Key, StringComparer.Ordinal)
            .ToList();

    /// <summary>The bottles (by sha256) and the formulae the hash file holds, read once for every file.</summary>
    private sealed record MirrorHolds(HashSet<string> Sha256s, HashSet<string> Formulae);
}
