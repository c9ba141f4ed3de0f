namespace HomebrewSync.Core.Serving;

/// <summary>How the endpoint fetches what the mirror lacks (<c>serve --pull-through</c>, SERVE_PULL_THROUGH).</summary>
/// <param name="TimeLimit">The most one pull may take, from the request to the stored bottle: waiting for a slot and for the store's lease included. Past it the request is a 502 and nothing is stored.</param>
/// <param name="MaxConcurrent">Pulls under way at once; further ones wait for a slot within their time limit.</param>
/// <param name="CatalogRefresh">How long the catalog read for pulls is used before it is read again (a failed read keeps the last good one).</param>
/// <remarks>Defaults and ranges are the definitions' (<see cref="Contracts.Settings.ServePullTimeoutSeconds"/>, <see cref="Contracts.Settings.ServePullConcurrency"/>, <see cref="Contracts.Settings.ServePullCatalogRefreshSeconds"/>).</remarks>
public sealed record PullThroughOptions(TimeSpan TimeLimit, int MaxConcurrent, TimeSpan CatalogRefresh);
