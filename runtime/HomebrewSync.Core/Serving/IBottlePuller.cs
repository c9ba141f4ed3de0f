namespace HomebrewSync.Core.Serving;

/// <summary>
/// Pull-through as the endpoint sees it: on a miss, what the current catalog names for the mirror's tags is fetched from
/// upstream once, verified, stored and recorded as a sync would, and its store key handed back to be served.
/// </summary>
internal interface IBottlePuller
{
    PullCounters Counters { get; }

    /// <summary><c>/v2/homebrew/core/&lt;image&gt;/blobs/sha256:&lt;hex&gt;</c> (HOMEBREW_ARTIFACT_DOMAIN).</summary>
    Task<PullOutcome> PullBlobAsync(string image, string sha256, CancellationToken cancellationToken);

    /// <summary><c>/&lt;file name&gt;</c> (HOMEBREW_BOTTLE_DOMAIN).</summary>
    Task<PullOutcome> PullFileAsync(string fileName, CancellationToken cancellationToken);

    /// <summary><c>&lt;image&gt;/manifests/&lt;reference&gt;</c> on either protocol: the formula version's image index.</summary>
    Task<PullOutcome> PullImageIndexAsync(string image, string reference, CancellationToken cancellationToken);
}
