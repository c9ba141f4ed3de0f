using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// How a host shows a run: <see cref="Observer"/> hears every event, <see cref="Live"/> (optional) shows the
/// transfer's progress until it ends, and <see cref="MetricsLog"/> gets the run's EMF line when EMIT_METRICS is on.
/// </summary>
public sealed record RunDisplay(ISyncObserver Observer, TextWriter MetricsLog, Func<ProgressTracker, CancellationToken, Task>? Live = null);
