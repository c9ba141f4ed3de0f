using System.Net;

namespace HomebrewSync.Core.Serving;

/// <summary>How the mirror answers.</summary>
/// <param name="AllowedNetworks">Clients allowed (CIDR); empty for everyone.</param>
/// <param name="LinkToStore">Answer bottle GETs with a 302 to a short-lived link to the object (an S3 presigned GET) where the store has one, instead of sending the bytes through.</param>
/// <param name="LinkLifetime">How long such a link works.</param>
/// <param name="Refresh">How often the hash file is checked for a newer version (a HEAD, then a read only when it changed).</param>
/// <param name="InlineLimit">Documents larger than this are also answered with a link (a Lambda function URL answers at most 6 MB).</param>
/// <param name="TokenFile">A token file whose tokens image indexes and blobs need (looked at for changes every <paramref name="Refresh"/>); null for none.</param>
/// <param name="TokenSecretName">The same, from a Secrets Manager secret (the deployed endpoint); null for none.</param>
/// <param name="PullThrough">How what the mirror lacks is pulled from upstream (SERVE_PULL_THROUGH); null for never: a miss is a 404.</param>
public sealed record ServeOptions(
    IReadOnlyList<IPNetwork> AllowedNetworks,
    bool LinkToStore,
    TimeSpan LinkLifetime,
    TimeSpan Refresh,
    long? InlineLimit = null,
    string? TokenFile = null,
    string? TokenSecretName = null,
    PullThroughOptions? PullThrough = null)
{
    public bool NeedsTokens => TokenFile is not null || TokenSecretName is not null;

    public static readonly TimeSpan DefaultLinkLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultRefresh = TimeSpan.FromSeconds(Contracts.Settings.ServeRefreshSeconds.Default!.Value);

    public bool Allows(IPAddress? client)
    {
        if (AllowedNetworks.Count == 0)
        {
            return true;
        }
        if (client is null)
        {
            return false;
        }
        var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        return AllowedNetworks.Any(n => n.Contains(address));
    }

    /// <summary>
    /// Parses <c>10.0.0.0/8,192.168.1.7/32</c>; each bad entry is an error, an empty one too (<c>","</c> or a trailing comma
    /// must not widen a list to everyone). Null or blank: no list, every client.
    /// </summary>
    public static IReadOnlyList<IPNetwork> ParseNetworks(string? list, ICollection<string> errors, string setting)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var result = new List<IPNetwork>();
        if (string.IsNullOrWhiteSpace(list))
        {
            return result;
        }
        var items = list.Split(',', StringSplitOptions.TrimEntries);
        if (items.Any(i => i.Length == 0))
        {
            errors.Add($"{setting}: '{list}' has an empty entry; list addresses or CIDR blocks (e.g. 10.0.0.0/8), or leave it unset to allow every client");
        }
        foreach (var item in items.Where(i => i.Length > 0))
        {
            var text = item.Contains('/', StringComparison.Ordinal) ? item : item + (item.Contains(':', StringComparison.Ordinal) ? "/128" : "/32");
            if (IPNetwork.TryParse(text, out var network))
            {
                result.Add(network);
            }
            else
            {
                errors.Add($"{setting}: '{item}' is not an address or CIDR block (e.g. 10.0.0.0/8)");
            }
        }
        return result;
    }
}
