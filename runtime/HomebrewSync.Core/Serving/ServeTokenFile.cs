namespace HomebrewSync.Core.Serving;

/// <summary>
/// The token list a running endpoint checks against, re-read from its source when that changes (looked at once per
/// <c>refresh</c>). A source that becomes unreadable or malformed keeps the last good list, with one warning per change;
/// before any good list, none: every request that needs a token is refused (fail closed, never open).
/// </summary>
public sealed class ServeTokenFile : IDisposable
{
    private readonly ITokenFileSource _source;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refresh;
    private readonly Action<string> _warn;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile ServeTokens _current = ServeTokens.None;
    private string? _stamp;
    private string? _lastProblem;

    // UTC ticks of the last look at the source (long.MinValue: never); read without the gate, so one atomic value.
    private long _checkedAt = long.MinValue;

    public ServeTokenFile(ITokenFileSource source, TimeProvider time, TimeSpan refresh, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(warn);
        _source = source;
        _time = time;
        _refresh = refresh;
        _warn = warn;
    }

    /// <summary>Reads the source now, for a host that refuses to start on a bad file; a good list becomes the current one.</summary>
    /// <returns>The list read and its errors (a line number and what is wrong, never a token), or the reason it cannot be read.</returns>
    public async Task<(ServeTokens Tokens, IReadOnlyList<string> Errors)> LoadAsync(CancellationToken cancellationToken)
    {
        TokenFileText text;
        try
        {
            text = await _source.ReadIfChangedAsync(null, cancellationToken) ?? throw new TokenFileUnavailableException($"{_source.Description} gave no content");
        }
        catch (TokenFileUnavailableException ex)
        {
            return (ServeTokens.None, [ex.Message]);
        }
        var tokens = ServeTokens.Parse(text.Text, out var errors);
        if (errors.Count > 0)
        {
            return (tokens, errors.Select(e => $"{_source.Description}: {e}").ToArray());
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            (_current, _stamp) = (tokens, text.Stamp);
            Interlocked.Exchange(ref _checkedAt, _time.GetUtcNow().UtcTicks);
        }
        finally
        {
            _gate.Release();
        }
        return (tokens, []);
    }

    /// <summary>
    /// The longest a re-read of the source may take. The requests that find the list due wait for it (a revoked token is not
    /// accepted once the refresh is due), so a source that hangs (a Secrets Manager that stopped answering) holds them this
    /// long per refresh, not for the SDK's minutes; past it the last good list stays.
    /// </summary>
    public static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(10);

    /// <param name="cancellationToken">The request's: it stops this request's wait, never a re-read other requests wait on too.</param>
    public async Task<ServeTokens> CurrentAsync(CancellationToken cancellationToken)
    {
        if (Fresh())
        {
            return _current;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh())
            {
                return _current;
            }
            await ReloadAsync();
            Interlocked.Exchange(ref _checkedAt, _time.GetUtcNow().UtcTicks);
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReloadAsync()
    {
        TokenFileText? text;
        using var limit = new CancellationTokenSource(ReloadTimeout, _time);
        try
        {
            // Waited for no longer than that even by a source that does not heed its token (a blocking read of a hung mount).
            text = await _source.ReadIfChangedAsync(_stamp, limit.Token).WaitAsync(ReloadTimeout, _time);
        }
        catch (TokenFileUnavailableException ex)
        {
            Warn($"{ex.Message}; {Keeping()}");
            return;
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && limit.IsCancellationRequested))
        {
            Warn($"{_source.Description} did not answer within {ReloadTimeout.TotalSeconds:N0} s; {Keeping()}");
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Any other failure to read (a timeout, a dropped connection) keeps the last good list too; only its type is named.
            Warn($"{_source.Description} could not be read ({ex.GetType().Name}); {Keeping()}");
            return;
        }
        if (text is null)
        {
            return;
        }
        var tokens = ServeTokens.Parse(text.Text, out var errors);
        if (errors.Count > 0)
        {
            Warn($"{_source.Description}: {string.Join("; ", errors)}; {Keeping()}");
            // Not taken as read: a malformed file is looked at again on the next refresh, in case it was caught half-written.
            return;
        }
        _stamp = text.Stamp;
        _current = tokens;
        _lastProblem = null;
    }

    private bool Fresh()
    {
        var at = Interlocked.Read(ref _checkedAt);
        return at != long.MinValue && _time.GetUtcNow().UtcTicks - at < _refresh.Ticks;
    }

    private string Keeping() => _stamp is null
        ? "no token is accepted until it can be read"
        : $"keeping the previous list ({_current.Count} tokens)";

    private void Warn(string message)
    {
        // Once per problem, not once per refresh.
        if (message != _lastProblem)
        {
            _lastProblem = message;
            _warn(message);
        }
    }

    public void Dispose() => _gate.Dispose();
}
