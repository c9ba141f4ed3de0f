using System.Text.Json;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Registry;
using Polly;
using Polly.Timeout;

namespace HomebrewSync.Core.PortableRuby;

/// <summary>
/// Which portable Ruby to mirror: the newest version among the registry's tags of <c>homebrew/core/portable-ruby</c>, and the
/// versions the mirrored brew names; each with every platform bottle its image index lists. A registry without the image is
/// one warning: the run goes on, and its exit code does not change.
/// </summary>
internal sealed class PortableRubyResolver(IBottleRegistry registry, ResiliencePipeline pipeline)
{
    /// <param name="image">The image's URL on the catalog's registry (<see cref="PortableRubyImage.ImageOn"/>).</param>
    /// <param name="namedByBrew">Versions the mirrored brew names (its <c>vendor/portable-ruby-version</c>), kept too.</param>
    public async Task<PortableRubyResolution> ResolveAsync(Uri image, IReadOnlyCollection<string> namedByBrew, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(namedByBrew);
        var warnings = new List<string>();
        string? current;
        try
        {
            var tags = await pipeline.ExecuteAsync(async ct => await registry.GetTagsAsync(image, ct), cancellationToken);
            current = PortableRubyImage.Newest(tags);
            if (current is null)
            {
                warnings.Add($"portable Ruby not mirrored: no tag of {image.AbsolutePath} reads as a version");
            }
        }
        catch (Exception ex) when (IsRegistryFailure(ex))
        {
            warnings.Add($"portable Ruby not mirrored: the registry's image {image.AbsolutePath} could not be listed ({ex.Message})");
            current = null;
        }
        var versions = new List<Formula>();
        var wanted = namedByBrew.Where(PortableRubyImage.IsVersion).Prepend(current).OfType<string>().Distinct(StringComparer.Ordinal);
        foreach (var version in wanted)
        {
            try
            {
                var bytes = await pipeline.ExecuteAsync(async ct => await registry.GetImageIndexAsync(image, version, ct), cancellationToken);
                var formula = PortableRubyImage.ToFormula(image, version, OciImageIndex.Parse(bytes));
                if (formula.Files.Count == 0)
                {
                    warnings.Add($"portable Ruby {version} not mirrored: its image index lists no platform bottle");
                    continue;
                }
                versions.Add(formula);
            }
            catch (Exception ex) when (IsRegistryFailure(ex))
            {
                warnings.Add($"portable Ruby {version} not mirrored: its image index could not be read ({ex.Message})");
            }
        }
        return new PortableRubyResolution(versions, warnings);
    }

    private static bool IsRegistryFailure(Exception ex) =>
        ex is BottleDownloadException or TransientFailureException or TimeoutRejectedException or JsonException or IOException;
}
