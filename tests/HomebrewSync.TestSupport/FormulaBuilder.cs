namespace HomebrewSync.TestSupport;

/// <summary>Test data for the fake catalog: <c>new FormulaBuilder("curl").WithBottle("arm64_sonoma", 1024).Build()</c>.</summary>
public sealed class FormulaBuilder
{
    private static long _nextSeed = 1;
    private readonly string _name;
    private readonly Dictionary<string, BlobContent> _bottles = new(StringComparer.Ordinal);
    private string _stable = "1.0.0";
    private int _revision;
    private int _rebuild;
    private bool _disabled;
    private int _noise;

    public FormulaBuilder(string name)
    {
        _name = name;
    }

    public FormulaBuilder WithVersion(string stable, int revision = 0)
    {
        _stable = stable;
        _revision = revision;
        return this;
    }

    public FormulaBuilder WithRebuild(int rebuild)
    {
        _rebuild = rebuild;
        return this;
    }

    /// <summary>Pads the formula's catalog entry with about this many bytes of the fields a sync skips.</summary>
    public FormulaBuilder WithNoise(int bytes)
    {
        _noise = bytes;
        return this;
    }

    public FormulaBuilder Disabled()
    {
        _disabled = true;
        return this;
    }

    /// <summary>A bottle of fresh random bytes.</summary>
    public FormulaBuilder WithBottle(string tag, long size = 4096) =>
        WithBottle(tag, BlobContent.Create(size, (ulong)Interlocked.Increment(ref _nextSeed)));

    /// <summary>A bottle with the given content (share one content between tags to model one blob serving several).</summary>
    public FormulaBuilder WithBottle(string tag, BlobContent content)
    {
        _bottles[tag] = content;
        return this;
    }

    /// <summary>Bottles for each tag, each its own blob.</summary>
    public FormulaBuilder WithBottles(IEnumerable<string> tags, long size = 4096)
    {
        ArgumentNullException.ThrowIfNull(tags);
        foreach (var tag in tags)
        {
            WithBottle(tag, size);
        }
        return this;
    }

    public FakeFormula Build() => new(_name, _stable, _revision, _rebuild, _disabled, new Dictionary<string, BlobContent>(_bottles, StringComparer.Ordinal)) { NoiseBytes = _noise };
}
