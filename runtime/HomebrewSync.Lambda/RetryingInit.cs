namespace HomebrewSync.Lambda;

/// <summary>
/// Builds a value once and keeps it; a build that fails is not kept, so the next invocation tries again
/// (an SSM hiccup at cold start must not fail every invocation until the container is recycled).
/// </summary>
public sealed class RetryingInit<T>(Func<Task<T>> create) where T : class
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private T? _value;

    /// <summary>A value already built (services a test or another host composed).</summary>
    public RetryingInit(T built)
        : this(() => Task.FromResult(built))
    {
    }

    public async Task<T> GetAsync()
    {
        if (Volatile.Read(ref _value) is { } ready)
        {
            return ready;
        }
        await _gate.WaitAsync();
        try
        {
            return _value ??= await create();
        }
        finally
        {
            _gate.Release();
        }
    }
}
