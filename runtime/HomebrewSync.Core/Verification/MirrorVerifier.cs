using System.Collections.Concurrent;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Verification;

public enum VerifyProblemKind
{
    Missing,
    WrongSize,
    WrongSha256,
    Unrecorded,
    Refused,
    NoHashFile,
}

public sealed record VerifyProblem(VerifyProblemKind Kind, string Key, string Detail);

public sealed record VerifyReport(bool HashFileFound, int EntriesChecked, int FilesRehashed, IReadOnlyList<VerifyProblem> Problems)
{
    /// <summary>Every entry's object is there with its size and sha256. Unlisted objects (what an interrupted prune or
    /// sync leaves; <c>prune</c> removes them) are reported, not failures: brew never asks for them.</summary>
    public bool IsClean => Problems.All(p => p.Kind == VerifyProblemKind.Unrecorded);

    public int Unlisted => Problems.Count(p => p.Kind == VerifyProblemKind.Unrecorded);
}

/// <summary>Checks the store against its hash file: every entry's object exists with its size and sha256, and every object is recorded.</summary>
public static class MirrorVerifier
{
    /// <param name="deep">Re-hash every object's bytes even where the store recorded a checksum at upload.</param>
    public static async Task<VerifyReport> VerifyAsync(IBottleStore store, IHashFileStore hashFile, bool deep, int concurrency, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var snapshot = await hashFile.ReadHashFileAsync(cancellationToken);
        var listed = snapshot?.HashFile ?? new HashFile();
        var problems = new ConcurrentQueue<VerifyProblem>();
        var rehashed = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(listed.Bottles, options, async (pair, ct) =>
        {
            var (key, entry) = pair;
            StoredBottle? stored;
            try
            {
                stored = await store.GetAsync(entry.S3Key, ct);
            }
            catch (UnsafeStoreKeyException ex)
            {
                // A link where the bottle should be: neither hashed nor served.
                problems.Enqueue(new VerifyProblem(VerifyProblemKind.Refused, key, ex.Message));
                return;
            }
            if (stored is null)
            {
                problems.Enqueue(new VerifyProblem(VerifyProblemKind.Missing, key, $"{entry.S3Key} does not exist"));
                return;
            }
            if (stored.Size != entry.FileSize)
            {
                problems.Enqueue(new VerifyProblem(VerifyProblemKind.WrongSize, key, $"{entry.S3Key} has {stored.Size:N0} bytes, the hash file says {entry.FileSize:N0}"));
                return;
            }
            string actual;
            if (!deep && stored.Sha256 is { } recorded)
            {
                actual = recorded;
            }
            else
            {
                actual = await store.ComputeSha256Async(entry.S3Key, ct);
                Interlocked.Increment(ref rehashed);
            }
            if (!string.Equals(actual, entry.Sha256, StringComparison.Ordinal))
            {
                problems.Enqueue(new VerifyProblem(VerifyProblemKind.WrongSha256, key, $"{entry.S3Key} hashes to {actual}, the hash file says {entry.Sha256}"));
            }
        });
        if (snapshot is not null && problems.Any(p => p.Kind == VerifyProblemKind.Missing))
        {
            // verify takes no lease: a prune may have removed entries (then their objects) while it looked. Missing is reported
            // only for an entry the hash file still lists as it was, not for one gone from it since.
            var now = (await hashFile.ReadHashFileAsync(cancellationToken))?.HashFile ?? new HashFile();
            var stillMissing = problems.Where(p => p.Kind != VerifyProblemKind.Missing
                || (now.TryGet(p.Key, out var current) && listed.TryGet(p.Key, out var then) && current == then)).ToArray();
            problems = new ConcurrentQueue<VerifyProblem>(stillMissing);
        }
        var recordedKeys = listed.Bottles.Values.Select(e => e.S3Key).ToHashSet(StringComparer.Ordinal);
        var objects = 0;
        await foreach (var obj in store.ListAsync(cancellationToken))
        {
            objects++;
            if (!recordedKeys.Contains(obj.Key))
            {
                problems.Enqueue(new VerifyProblem(VerifyProblemKind.Unrecorded, obj.Key, $"{obj.Key} is in the store but no hash-file entry names it (prune removes it)"));
            }
        }
        if (snapshot is null && objects > 0)
        {
            // Bottles without the file that vouches for them: brew can be served none of them.
            problems.Enqueue(new VerifyProblem(VerifyProblemKind.NoHashFile, hashFile.HashFileLocation,
                $"there is no hash file, but the store holds {objects:N0} bottle objects; run 'homebrew-sync sync' (or --rebuild-hash on S3) to record them"));
        }
        var ordered = problems.OrderBy(p => p.Kind).ThenBy(p => p.Key, StringComparer.Ordinal).ToArray();
        return new VerifyReport(snapshot is not null, listed.Count, rehashed, ordered);
    }
}
