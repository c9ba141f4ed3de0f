using System.Runtime.ExceptionServices;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// A bottle staged in a local file: written, reset for another attempt, then handed to
/// <paramref name="commit"/> (a rename into place, an upload) once verified. The file is gone after
/// disposal whatever happened: moved into place, uploaded, or discarded.
/// </summary>
public sealed class StagingFile : IStagedBottle
{
    private readonly string _path;
    private readonly Func<string, BottleMetadata, bool, CancellationToken, Task<bool>> _commit;
    private bool _closed;
    private readonly FileStream _stream;
    private readonly Action _delete;
    private readonly bool _durable;
    private readonly WriteBehindStream? _writeBehind;
    private readonly DirectWriteStream? _directWrite;
    private ExceptionDispatchInfo? _unfinished;

    /// <param name="path">The file to stage the bottle in, created here.</param>
    /// <param name="commit">Gets the closed file's path and whether an object at the key may be replaced; runs once the bytes are verified, and returns whether they are at the key (false: another object is, and the file stays staged).</param>
    /// <param name="durable">Whether the bytes are flushed to disk before <paramref name="commit"/> (a file that stays where it is moved, not an upload's source).</param>
    public StagingFile(string path, Func<string, BottleMetadata, bool, CancellationToken, Task<bool>> commit, bool durable = false)
        : this(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous), path, commit, () => File.Delete(path), durable)
    {
    }

    /// <param name="stream">The file created for the bottle (by the store, in a folder it holds open).</param>
    /// <param name="delete">Deletes the file at the end, whether it was moved into place or not.</param>
    /// <param name="expectedSize">The bottle's size where known: one smaller than a block of a direct write is written the usual way.</param>
    internal StagingFile(FileStream stream, Func<string, BottleMetadata, bool, CancellationToken, Task<bool>> commit, Action delete, bool durable, long? expectedSize)
        : this(stream, stream.Name, commit, delete, durable, expectedSize)
    {
    }

    private StagingFile(FileStream stream, string path, Func<string, BottleMetadata, bool, CancellationToken, Task<bool>> commit, Action delete, bool durable,
        long? expectedSize = null)
    {
        _path = path;
        _commit = commit;
        _delete = delete;
        _durable = durable;
        _stream = stream;
        // Bytes that must reach the disk before the commit go straight to it where the file system takes that, and elsewhere
        // start on their way as they are written.
        _directWrite = durable && expectedSize is not < DirectWriteStream.BlockSize ? DirectWriteStream.TryCreate(_stream) : null;
        _writeBehind = durable && _directWrite is null ? new WriteBehindStream(_stream) : null;
    }

    public Stream Content => _directWrite ?? _writeBehind ?? (Stream)_stream;

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        if (_directWrite is not null)
        {
            // Its last write ended before the file is emptied under it.
            await _directWrite.RestartAsync();
        }
        _stream.SetLength(0);
        _stream.Position = 0;
        _writeBehind?.Restart();
        _unfinished = null;
    }

    public async Task<bool> CommitAsync(BottleMetadata metadata, bool replace, CancellationToken cancellationToken)
    {
        // Closed once: a commit refused (an object at the key) may be followed by one that replaces it.
        if (!_closed)
        {
            // A write or a flush that failed fails every later commit too, until the file is reset: a second flush can
            // succeed over bytes the first lost.
            _unfinished?.Throw();
            try
            {
                if (_directWrite is not null)
                {
                    await _directWrite.FinishAsync(cancellationToken);
                }
                await _stream.FlushAsync(cancellationToken);
                if (_durable)
                {
                    // On disk before it is renamed into place and listed: after a power cut a listed bottle must not come back empty.
                    RandomAccess.FlushToDisk(_stream.SafeFileHandle);
                }
            }
            catch (Exception e)
            {
                _unfinished = ExceptionDispatchInfo.Capture(e);
                throw;
            }
            await _stream.DisposeAsync();
            _closed = true;
        }
        return await _commit(_path, metadata, replace, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_directWrite is not null)
            {
                // Its write in flight ends before the file closes and its blocks go back to the pool.
                await _directWrite.DisposeAsync();
            }
            await _stream.DisposeAsync();
        }
        finally
        {
            _delete();
        }
    }
}
