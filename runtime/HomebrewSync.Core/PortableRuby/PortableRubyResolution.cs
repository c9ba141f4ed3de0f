using HomebrewSync.Core.Catalog;

namespace HomebrewSync.Core.PortableRuby;

/// <summary>The portable Ruby versions to mirror, each as a formula with every platform's bottle, and what could not be resolved.</summary>
internal sealed record PortableRubyResolution(IReadOnlyList<Formula> Versions, IReadOnlyList<string> Warnings);
