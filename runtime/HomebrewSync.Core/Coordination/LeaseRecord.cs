using System.Text.Json;
using System.Text.Json.Serialization;

namespace HomebrewSync.Core.Coordination;

/// <summary>What a lease object says: who holds the store, for what, and until when (the holder renews it while it works).</summary>
internal sealed record LeaseRecord(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("purpose")] string Purpose,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("acquired_at")] DateTimeOffset AcquiredAt,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt)
{
    /// <summary>Whether the holder has stopped: <paramref name="skew"/> past the time it names, so a clock that runs ahead of the holder's does not end a live lease.</summary>
    public bool IsExpired(DateTimeOffset now, TimeSpan skew) => now - skew >= ExpiresAt; // Not ExpiresAt + skew: a lease until 9999-12-31 would overflow.

    /// <summary>"prune on build-7 (pid 4242), for 3 min"</summary>
    public string Describe(DateTimeOffset now) =>
        $"{Purpose} on {Host} (pid {Pid}), holding it for {Formatting.Humanize.Duration(now - AcquiredAt)} (lease until {ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)";

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, LeaseJsonContext.Default.LeaseRecord);

    /// <summary>The record, or null when the bytes are not one: leases are written whole, so such an object was never a live holder's.</summary>
    public static LeaseRecord? Parse(byte[] content)
    {
        try
        {
            return JsonSerializer.Deserialize(content, LeaseJsonContext.Default.LeaseRecord) is { Mode: not null, Purpose: not null, Host: not null } r ? r : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(LeaseRecord))]
internal sealed partial class LeaseJsonContext : JsonSerializerContext;
