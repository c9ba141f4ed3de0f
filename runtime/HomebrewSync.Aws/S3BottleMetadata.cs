using System.Globalization;
using Amazon.S3.Model;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Aws;

/// <summary>The reference's user metadata of a bottle object, written with every upload and copy, read back by a hash-file rebuild.</summary>
internal static class S3BottleMetadata
{
    public static void Write(MetadataCollection target, BottleMetadata m)
    {
        target["formula-name"] = m.FormulaName;
        target["formula-version"] = m.FormulaVersion;
        target["platform"] = m.Platform;
        target["download-date"] = m.DownloadDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        target["sha256"] = m.Sha256;
        target["sync-version"] = m.SyncVersion;
        target["homebrew-api-url"] = m.HomebrewApiUrl;
    }

    /// <returns>Null when a field the hash file needs is missing or malformed.</returns>
    public static BottleMetadata? Read(MetadataCollection m)
    {
        if (string.IsNullOrEmpty(m["formula-name"]) || string.IsNullOrEmpty(m["formula-version"]) || string.IsNullOrEmpty(m["platform"])
            || !DateOnly.TryParseExact(m["download-date"], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return null;
        }
        return new BottleMetadata(m["formula-name"], m["formula-version"], m["platform"], date, m["sha256"], m["sync-version"], m["homebrew-api-url"]);
    }
}
