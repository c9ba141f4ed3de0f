using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace HomebrewSync.Core.Catalog;

/// <summary>
/// Streams formula.json one formula at a time (the real file is ~30 MB; it is never held as a DOM).
/// A malformed or truncated document fails with <see cref="CatalogFormatException"/>; a formula whose
/// data is unusable (unsafe name, bad sha256) is reported through <paramref name="rejected"/> and skipped.
/// </summary>
public static class FormulaCatalogReader
{
    public static async IAsyncEnumerable<Formula> ReadAsync(
        Stream catalog,
        Action<string>? rejected = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var items = JsonSerializer.DeserializeAsyncEnumerable(catalog, CatalogJsonContext.Default.FormulaJson, cancellationToken);
        await using var e = items.GetAsyncEnumerator(cancellationToken);
        var index = 0;
        var any = false;
        while (true)
        {
            FormulaJson? json;
            try
            {
                if (!await e.MoveNextAsync())
                {
                    break;
                }
                json = e.Current;
            }
            catch (JsonException ex)
            {
                throw new CatalogFormatException(
                    $"The catalog is not valid formula.json (after {index.ToString("N0", CultureInfo.InvariantCulture)} formulae, line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}): {ex.Message}", ex);
            }
            index++;
            any = true;
            if (json is null)
            {
                rejected?.Invoke($"entry {index}: null");
                continue;
            }
            var formula = Convert(json, index, rejected);
            if (formula is not null)
            {
                yield return formula;
            }
        }
        if (!any)
        {
            throw new CatalogFormatException("The catalog lists no formulae; refusing to plan from an empty catalog.");
        }
    }

    private static Formula? Convert(FormulaJson json, int index, Action<string>? rejected)
    {
        var name = json.Name;
        if (string.IsNullOrEmpty(name) || !BottleNaming.IsSafeName(name))
        {
            rejected?.Invoke($"entry {index}: formula name '{name}' is not a valid formula name");
            return null;
        }
        var stable = json.Versions?.Stable;
        if (string.IsNullOrEmpty(stable))
        {
            rejected?.Invoke($"{name}: no stable version");
            return null;
        }
        var revision = json.Revision ?? 0;
        var version = revision > 0 ? $"{stable}_{revision.ToString(CultureInfo.InvariantCulture)}" : stable;
        if (!BottleNaming.IsSafeVersion(version))
        {
            rejected?.Invoke($"{name}: version '{version}' is not a valid version");
            return null;
        }
        var spec = json.Bottle?.Stable;
        var files = new Dictionary<string, BottleFile>(StringComparer.Ordinal);
        if (spec?.Files is { } rawFiles)
        {
            foreach (var (tag, file) in rawFiles)
            {
                if (file is null || !Contracts.SyncSettingsValidator.IsWellFormedTag(tag))
                {
                    rejected?.Invoke($"{name}: bottle tag '{tag}' is not usable");
                    continue;
                }
                if (file.Sha256 is not { } sha || !BottleNaming.IsSha256(sha))
                {
                    rejected?.Invoke($"{name} ({tag}): sha256 '{file.Sha256}' is not 64 lower-case hex digits");
                    continue;
                }
                if (!Uri.TryCreate(file.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
                {
                    rejected?.Invoke($"{name} ({tag}): url '{file.Url}' is not an http(s) URL");
                    continue;
                }
                files[tag] = new BottleFile(tag, url, sha, file.Cellar);
            }
        }
        var rebuild = spec?.Rebuild ?? 0;
        if (rebuild < 0)
        {
            rejected?.Invoke($"{name}: rebuild {rebuild} is negative");
            return null;
        }
        return new Formula(name, version, rebuild, json.Disabled ?? false, files);
    }
}
