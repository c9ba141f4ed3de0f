using HomebrewSync.Contracts;
using HomebrewSync.Core.Api;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// What every use case shares (<see cref="SyncRun"/>, <see cref="Planner"/>, <see cref="SavedPlanExecutor"/>,
/// <see cref="SyncOrchestrator"/>, <see cref="MirrorFreshness"/>, <see cref="PruneRun"/>): the ports, the settings, the
/// host's clock and the pieces built once over them. Hosts supply only the settings, the clock (and with it a time budget)
/// and how progress is shown.
/// </summary>
public sealed class SyncContext
{
    /// <param name="apiKey">Homebrew's API signing key; without it (or without <see cref="SyncPorts.ApiFiles"/>) API files are not mirrored.</param>
    public SyncContext(SyncPorts ports, SyncSettings settings, NotificationSettings notifications, TimeProvider time, JwsVerifier? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        Ports = ports;
        Settings = settings;
        Time = time;
        Notifications = new SyncNotifications(ports.Notifier, notifications, time);
        Plans = new PlanRepository(ports.Documents, ports.Bottles.Describe);
        Engine = new TransferEngine(ports.Bottles, ports.Registry, settings, time);
        Leases = new StoreLeases(ports.Bottles, new StoreCoordinator(ports.Leases, time, settings.LeaseDuration, ports.Bottles.Location), settings.TimeBudget);
        BrewGit = settings.BrewGitRemote is { } remote && ports.Git is { } git ? new BrewGit.BrewGitMirror(git, ports.Documents, remote, settings.MirrorPortableRuby) : null;
        Api = settings.MirrorApi && ports.ApiFiles is { } source && apiKey is not null ? new ApiMirror(source, ports.Documents, apiKey, settings) : null;
    }

    public SyncSettings Settings { get; }
    public NotificationSettings NotificationSettings => Notifications.Settings;
    public SyncPorts Ports { get; }

    /// <summary>Today, in UTC, by the host's clock.</summary>
    public DateOnly Today => DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);

    /// <summary>The folder new bottles go to: SYNC_DATE when set, else today.</summary>
    public DateOnly SyncDate => Settings.SyncDate ?? Today;

    internal TimeProvider Time { get; }
    internal SyncNotifications Notifications { get; }
    internal PlanRepository Plans { get; }
    internal TransferEngine Engine { get; }
    internal StoreLeases Leases { get; }

    /// <summary>Homebrew's API files, when mirrored.</summary>
    internal ApiMirror? Api { get; }

    /// <summary>The portable Ruby versions the mirrored brew names (none when brew's repository is not mirrored here).</summary>
    internal async Task<IReadOnlyCollection<string>> NamedPortableRubyAsync(ISyncObserver observer, CancellationToken cancellationToken)
    {
        try
        {
            return BrewGit is { } git ? await git.NamedPortableRubyAsync(cancellationToken) : [];
        }
        catch (BrewGit.GitCommandException ex)
        {
            observer.Info($"warning: brew's git repository could not be fetched, so the portable Ruby it names is not known: {ex.Message}");
            return [];
        }
    }

    /// <summary>The mirror of brew's git repository, when one is configured and this host has git.</summary>
    internal BrewGit.BrewGitMirror? BrewGit { get; }

    /// <summary>When a host with a time budget must stop; null without one.</summary>
    internal DateTimeOffset? Deadline() => Settings.TimeBudget is { } budget ? Time.GetUtcNow() + budget : null;

    internal ProgressTracker NewProgress(SyncPlan plan) => new(Time, plan.Bottles.Count, plan.TotalBytes);

    /// <summary>Saves a plan under <c>plans/&lt;date&gt;/</c> at <paramref name="key"/>, stamped with the store and the time.</summary>
    internal Task SavePlanAsync(string key, SyncPlan plan, CancellationToken cancellationToken) =>
        Plans.SaveAsync(key, plan with { Store = Ports.Bottles.Location, CreatedAt = Time.GetUtcNow() }, cancellationToken);

    /// <exception cref="Planning.PlanInputException">The plan holds more than MAX_DOWNLOAD_SIZE_GB.</exception>
    internal void EnsureWithinDownloadLimit(SyncPlan plan)
    {
        if (Settings.MaxDownloadBytes is { } max && plan.TotalBytes > max)
        {
            throw new Planning.PlanInputException($"The plan holds {plan.TotalBytes:N0} bytes, more than {EnvVars.MaxDownloadSizeGb} allows ({max:N0}); nothing was downloaded.");
        }
    }
}
