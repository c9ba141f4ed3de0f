using Polly;
using Polly.Retry;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// The local store's write lock (<c>.bottles_hash.lock</c> at its root), held for the moment of a compare-and-swap of the
/// hash file or a lease; another process holding it is waited for, on the injected clock.
/// </summary>
internal sealed class HashFileLock
{
    private const string LockName = ".bottles_hash.lock";
    private const int LockRetries = 200;
    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(25);
    private readonly string _root;
    private readonly string _path;
    private readonly ResiliencePipeline _retry;

    public HashFileLock(string root, TimeProvider time)
    {
        _root = root;
        _path = Path.Combine(root, LockName);
        // Another process holds the hash-file lock only for the moment of its write: wait for it, on the injected clock.
        _retry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<IOException>(),
                MaxRetryAttempts = LockRetries,
                Delay = LockRetryDelay,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = true,
            })
            .Build();
    }

    /// <returns>The open lock file; disposing it releases the lock.</returns>
    /// <exception cref="IOException">Still held by another process after every retry.</exception>
    /// <exception cref="HomebrewSync.Core.Storage.UnsafeStoreKeyException">The lock file is a link: opening it would create or lock a file elsewhere.</exception>
    public async Task<FileStream> AcquireAsync(CancellationToken cancellationToken)
    {
        if (new FileInfo(_path).LinkTarget is not null)
        {
            throw new HomebrewSync.Core.Storage.UnsafeStoreKeyException(LockName, $"{_path} is a symbolic link; links in the store are never followed (remove it: the lock is made again)");
        }
        // Opened in the root held open, never through a link swapped in since the look above (refused by the open itself).
        using var root = StoreDirectory.Open(_root, "", LockName, create: true);
        try
        {
            return await _retry.ExecuteAsync(static (r, _) => ValueTask.FromResult(r.OpenLocked(LockName)), root, cancellationToken);
        }
        catch (IOException ex)
        {
            // Held through every retry: name the lock, so the operator can find the process that keeps it.
            throw new IOException(
                $"The hash-file lock {_path} was still held by another process after {LockRetries + 1} attempts over about "
                + $"{(LockRetries * LockRetryDelay).TotalSeconds:0} s (another homebrew-sync writing this store?): {ex.Message}",
                ex);
        }
    }
}
