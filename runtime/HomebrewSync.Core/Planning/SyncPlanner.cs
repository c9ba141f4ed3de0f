using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.HashFiles;

namespace HomebrewSync.Core.Planning;

/// <summary>
/// Turns the catalog and the hash file into the bottles this run must store. A bottle is named and keyed after
/// its own tag, the one brew asks the mirror for, and stored once however many target tags resolve to it. A
/// store laid out by an earlier version (bottles named after the target tag) is renamed in place: the bytes
/// are copied to the real name, never downloaded again, and the old entries are retired.
/// A catalog that lists one name twice, or two entries whose bottles get one hash-file key or file name, plans only the
/// first entry in catalog order and warns about the others: no two transfers ever write one key.
/// This is the loop; what each formula adds is <see cref="PlanBuilder"/>'s, over the pure steps in <see cref="PlanSteps"/>.
/// </summary>
internal static class SyncPlanner
{
    /// <exception cref="PlanInputException">An unknown platform tag or formula name.</exception>
    public static Task<PlanOutcome> PlanAsync(
        IAsyncEnumerable<Formula> catalog,
        HashFile? hashFile,
        PlanRequest request,
        TimeProvider time,
        CancellationToken cancellationToken) =>
        PlanAsync(catalog, Task.FromResult(hashFile), Task.FromResult<IReadOnlySet<string>?>(null), request, time, cancellationToken);

    /// <param name="hashFileTask">The hash file, still being read while the catalog starts to stream; awaited at the first formula.</param>
    /// <param name="storedIndexesTask">Keys of the image indexes the store holds (<c>manifests/...</c>); null when unknown (every mirrored version is then planned).</param>
    /// <param name="portableRuby">Resolves portable Ruby on the catalog's registry (given its image URL); null to leave it out.</param>
    public static async Task<PlanOutcome> PlanAsync(
        IAsyncEnumerable<Formula> catalog,
        Task<HashFile?> hashFileTask,
        Task<IReadOnlySet<string>?> storedIndexesTask,
        PlanRequest request,
        TimeProvider time,
        CancellationToken cancellationToken,
        Func<Uri, CancellationToken, Task<PortableRuby.PortableRubyResolution>>? portableRuby = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(hashFileTask);
        ArgumentNullException.ThrowIfNull(storedIndexesTask);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(time);
        var builder = new PlanBuilder(request);
        var read = 0;
        // Portable Ruby is looked up on the registry as soon as the catalog names it (by its first bottle URL), beside the rest of the catalog.
        Task<PortableRuby.PortableRubyResolution>? ruby = null;
        try
        {
            await foreach (var formula in catalog.WithCancellation(cancellationToken))
            {
                if (read++ == 0)
                {
                    // Awaited only now: the hash file and the store's listing are read while the catalog starts to stream.
                    builder.Against(await hashFileTask, await storedIndexesTask);
                }
                builder.Add(formula);
                ruby ??= PortableRubyOf(builder.FirstBottleUrl, request, portableRuby, cancellationToken);
            }
        }
        catch when (ruby is not null)
        {
            // A failed catalog must not leave the lookup running, or its own failure, unobserved.
            await Task.WhenAny(ruby);
            _ = ruby.Exception;
            throw;
        }
        if (read == 0)
        {
            await hashFileTask;
            await storedIndexesTask;
        }
        if (ruby is not null)
        {
            builder.AddPortableRuby(await ruby);
        }
        return builder.Build(time);
    }

    /// <summary>Portable Ruby's lookup on the registry the catalog's bottles are on; null when there is none to make (turned off, a selective sync, no bottle URL yet).</summary>
    private static Task<PortableRuby.PortableRubyResolution>? PortableRubyOf(Uri? firstBottleUrl, PlanRequest request,
        Func<Uri, CancellationToken, Task<PortableRuby.PortableRubyResolution>>? portableRuby, CancellationToken cancellationToken)
    {
        // Not with a selective sync: like the API files, it touches only the formulae it names.
        if (portableRuby is null || request.Formulae is not null || firstBottleUrl is not { } url)
        {
            return null;
        }
        return PortableRuby.PortableRubyImage.ImageOn(url) is { } image
            ? portableRuby(image, cancellationToken)
            : Task.FromResult(new PortableRuby.PortableRubyResolution([], [$"portable Ruby not mirrored: the catalog's bottle URLs ({Contracts.UrlDisplay.Redact(url)}) are not on a registry's homebrew/core"]));
    }
}
