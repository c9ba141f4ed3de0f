namespace HomebrewSync.Core.Serving;

/// <summary>How a request that met a miss was answered by pull-through.</summary>
internal enum PullStatus
{
    /// <summary>Fetched, verified and stored by a transfer this request started.</summary>
    Pulled,

    /// <summary>Stored by a transfer another request had started; this one waited on it.</summary>
    Joined,

    /// <summary>Already in the store when looked at again (a sync or another pull got there first): nothing fetched.</summary>
    Stored,

    /// <summary>The current catalog does not name it for the mirror's target tags: a 404, nothing fetched or stored.</summary>
    NotInCatalog,

    /// <summary>The pull stored nothing: a 502 with the reason.</summary>
    Failed,
}
