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

    /// <param name="hashFileTask">The hash file, still being read while the catalog streams; the formulae read before it wait for it (up to <see cref="MaxHeldFormulae"/>).</param>
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
        // The catalog is read on while the hash file and the store's listing are still being read (the first formula arrives long
        // before them): its formulae wait here, up to MaxHeldFormulae, and are planned in catalog order once both are in.
        var held = new List<Formula>();
        var against = false;
        Uri? firstBottleUrl = null;
        // Portable Ruby is looked up on the registry as soon as the catalog names it (by its first bottle URL), beside the rest of the
        // catalog; cancelled when planning fails (the catalog, the hash file or the store's listing), so the failure is not held up by it.
        using var lookup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<PortableRuby.PortableRubyResolution>? ruby = null;
        try
        {
            await foreach (var formula in catalog.WithCancellation(cancellationToken))
            {
                firstBottleUrl ??= formula.Files.Values.FirstOrDefault()?.Url;
                ruby ??= PortableRubyOf(firstBottleUrl, request, portableRuby, lookup.Token);
                if (against)
                {
                    builder.Add(formula);
                    continue;
                }
                held.Add(formula);
                // A read of the store that failed stops the catalog at once (AgainstAsync throws its failure).
                if ((hashFileTask.IsCompleted && storedIndexesTask.IsCompleted) || hashFileTask.IsFaulted || storedIndexesTask.IsFaulted
                    || held.Count >= MaxHeldFormulae)
                {
                    await AgainstAsync(builder, held, hashFileTask, storedIndexesTask);
                    against = true;
                }
            }
            if (!against)
            {
                // A catalog read before the hash file (a short one, or none): planned now, and a store that failed is seen even then.
                await AgainstAsync(builder, held, hashFileTask, storedIndexesTask);
            }
        }
        catch when (ruby is not null)
        {
            // A failed plan must not leave the lookup running, or its own failure, unobserved.
            await lookup.CancelAsync();
            await Task.WhenAny(ruby);
            _ = ruby.Exception;
            throw;
        }
        if (ruby is not null)
        {
            builder.AddPortableRuby(await ruby);
        }
        return builder.Build(time);
    }

    /// <summary>
    /// The most formulae read ahead of the hash file: a few MB of parsed catalog. Past it the catalog waits for the hash file, so a
    /// store that is slow to answer holds no more of the catalog than this in memory.
    /// </summary>
    public const int MaxHeldFormulae = 4096;

    /// <summary>Waits for the hash file and the store's listing, then plans the formulae held until then, in catalog order.</summary>
    private static async Task AgainstAsync(PlanBuilder builder, List<Formula> held, Task<HashFile?> hashFileTask, Task<IReadOnlySet<string>?> storedIndexesTask)
    {
        builder.Against(await hashFileTask, await storedIndexesTask);
        foreach (var formula in held)
        {
            builder.Add(formula);
        }
        held.Clear();
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
