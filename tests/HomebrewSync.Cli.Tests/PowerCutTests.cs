using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HomebrewSync.Cli.Tests;

/// <summary>
/// What a power cut (or a kernel panic) leaves of a folder store: a kill -9 keeps the page cache, a power cut does not, and
/// a rename can reach the disk before the bytes renamed. The order the sync asks the kernel for, read with strace: each
/// bottle's bytes on disk before it is renamed into place, the rename on disk before the hash file that lists it, and the
/// hash file's bytes on disk before they replace the old ones.
/// </summary>
public sealed partial class PowerCutTests
{
    // 1234 fsync(25</tmp/store/.staging/x.part>) = 0, or split around another thread's line: "<unfinished ...>" ... "<... fsync resumed>".
    [GeneratedRegex(@"^(?<pid>\d+) +(?<call>fsync|fdatasync)\((?<fd>\d+)<(?<path>[^>]*)>")]
    private static partial Regex FlushStart();

    [GeneratedRegex(@"^(?<pid>\d+) +<\.\.\. (?<call>fsync|fdatasync) resumed>")]
    private static partial Regex FlushResumed();

    // rename("from", "to"), renameat(AT_FDCWD, "from", AT_FDCWD, "to"), renameat(5</store/.staging>, "x.part", 6</store/2025-07-21>, "to"),
    // renameat2(…, 0); and a bottle's link into place, linkat(5</store/.staging>, "x.part", 6</store/2025-07-21>, "to", 0), which is
    // its move (the staged name is deleted after): a name in an open folder is that folder's path and the name.
    [GeneratedRegex(@"^\d+ +(?:rename(?:at2?)?|link(?:at)?)\((?:(?:\d+<(?<fromDir>[^>]*)>|AT_FDCWD), )?""(?<from>[^""]+)"", (?:(?:\d+<(?<toDir>[^>]*)>|AT_FDCWD), )?""(?<to>[^""]+)""")]
    private static partial Regex Rename();

    private static string PathIn(Match m, string folder, string name) =>
        m.Groups[folder].Success ? Path.Combine(m.Groups[folder].Value, m.Groups[name].Value) : m.Groups[name].Value;

    // 1234 fcntl(25</tmp/store/.staging/x.part>, F_SETFL, O_WRONLY|O_DIRECT|O_LARGEFILE|O_NOFOLLOW|O_CLOEXEC) = 0, or "... O_CLOEXEC <unfinished ...>"
    // when another thread's line comes between (the file's writes then show whether it took).
    [GeneratedRegex(@"^\d+ +fcntl\(\d+<(?<path>[^>]*)>, F_SETFL, (?<flags>[^) ]*)(?:\) += 0$| <unfinished \.\.\.>$)")]
    private static partial Regex StatusFlagsSet();

    // 1234 pwrite64(25</tmp/store/.staging/x.part>, "\x1f\x8b"..., 1048576, 2097152) = 1048576, or "... 2097152 <unfinished ...>"
    // when another thread's line comes between: counted as written (a refused one would add a write of the same block again).
    [GeneratedRegex(@"^\d+ +pwrite64\(\d+<(?<path>[^>]*)>, .*, (?<count>\d+), (?<offset>\d+)(?:\) += \d+| <unfinished \.\.\.>)$")]
    private static partial Regex Written();

    private sealed record Trace(List<(int Line, string Path)> Flushed, List<(int Line, string From, string To)> Renamed,
        List<(int Line, string Path, bool Direct)> FlagsSet, List<(int Line, string Path, long Offset, long Count)> Writes);

    /// <summary>The CLI under strace: each flush with the line where it returned, each rename with the line where it began.</summary>
    private static async Task<(CliProcessResult Run, Trace Trace)> RunTracedAsync(Dictionary<string, string?> env, params string[] args)
    {
        Assert.True(File.Exists("/usr/bin/strace") || File.Exists("/bin/strace"), "strace is missing: scripts/install-test-tools.sh installs it");
        var log = Path.Combine(Path.GetTempPath(), $"hbs-strace-{Guid.NewGuid():N}.txt");
        var cli = CliProcess.StartInfo(env, args);
        var start = new ProcessStartInfo("strace") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-f", "-qq", "-y", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2,link,linkat,fcntl,pwrite64", "-o", log, cli.FileName })
        {
            start.ArgumentList.Add(a);
        }
        foreach (var a in cli.ArgumentList)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (k, v) in cli.Environment)
        {
            start.Environment[k] = v;
        }
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
            var lines = await File.ReadAllLinesAsync(log);
            var flushed = new List<(int, string)>();
            var pending = new Dictionary<string, string>(StringComparer.Ordinal);
            var renamed = new List<(int, string, string)>();
            var flagsSet = new List<(int, string, bool)>();
            var writes = new List<(int, string, long, long)>();
            for (var i = 0; i < lines.Length; i++)
            {
                if (FlushStart().Match(lines[i]) is { Success: true } f)
                {
                    if (lines[i].Contains("<unfinished ...>", StringComparison.Ordinal))
                    {
                        pending[f.Groups["pid"].Value + f.Groups["call"].Value] = f.Groups["path"].Value;
                    }
                    else if (lines[i].EndsWith("= 0", StringComparison.Ordinal))
                    {
                        flushed.Add((i, f.Groups["path"].Value));
                    }
                }
                else if (FlushResumed().Match(lines[i]) is { Success: true } r && pending.Remove(r.Groups["pid"].Value + r.Groups["call"].Value, out var path)
                    && lines[i].EndsWith("= 0", StringComparison.Ordinal))
                {
                    flushed.Add((i, path));
                }
                else if (Rename().Match(lines[i]) is { Success: true } m)
                {
                    renamed.Add((i, PathIn(m, "fromDir", "from"), PathIn(m, "toDir", "to")));
                }
                else if (StatusFlagsSet().Match(lines[i]) is { Success: true } s)
                {
                    flagsSet.Add((i, s.Groups["path"].Value, s.Groups["flags"].Value.Split('|').Contains("O_DIRECT")));
                }
                else if (Written().Match(lines[i]) is { Success: true } w)
                {
                    writes.Add((i, w.Groups["path"].Value, long.Parse(w.Groups["offset"].Value, CultureInfo.InvariantCulture), long.Parse(w.Groups["count"].Value, CultureInfo.InvariantCulture)));
                }
            }
            return (new CliProcessResult(process.ExitCode, await stdout, await stderr), new Trace(flushed, renamed, flagsSet, writes));
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task Sync_IntoAFolder_PutsEachBottleOnDiskBeforeItsRename_AndEveryRenameBeforeTheHashFileThatListsIt()
    {
        var formulae = new[] { "curl", "jq", "wget" }.Select(n => new FormulaBuilder(n).WithBottle("monterey", 50_000).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        var env = h.Environment();
        env["MIRROR_API"] = "false";

        var (run, trace) = await RunTracedAsync(env, "sync", "--platform", "monterey", "--date", "2025-07-21");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        var hashFile = h.PathOf("bottles_hash.json");
        var hashFileWrites = trace.Renamed.Where(r => r.To == hashFile).ToArray();
        Assert.NotEmpty(hashFileWrites);
        foreach (var write in hashFileWrites)
        {
            // The new hash file's bytes, then the folder's entry for it.
            Assert.Contains(trace.Flushed, f => f.Path == write.From && f.Line < write.Line);
            Assert.Contains(trace.Flushed, f => f.Path == h.Store && f.Line > write.Line);
        }
        foreach (var f in formulae)
        {
            var bottle = h.PathOf($"2025-07-21/{f.FileName("monterey")}");
            Assert.True(File.Exists(bottle));
            var move = Assert.Single(trace.Renamed, r => r.To == bottle);
            Assert.True(trace.Flushed.Any(x => x.Path == move.From && x.Line < move.Line), $"{bottle}: its bytes were not flushed before the rename");
            // The day's folder flushed after the rename, before the last hash file (which lists every bottle) replaced the one before.
            Assert.True(trace.Flushed.Any(x => x.Path == h.PathOf("2025-07-21") && x.Line > move.Line && x.Line < hashFileWrites[^1].Line),
                $"{bottle}: the rename was not flushed before the hash file listing it");
            // Its image index, in a folder of its own made for it: that folder's entry is flushed too, not only the file's.
            var index = h.PathOf($"manifests/{f.Name}/{f.Version}.json");
            var write = Assert.Single(trace.Renamed, r => r.To == index);
            Assert.Contains(trace.Flushed, x => x.Path == Path.GetDirectoryName(index) && x.Line > write.Line);
            Assert.Contains(trace.Flushed, x => x.Path == h.PathOf("manifests") && x.Line > write.Line);
        }
    }

    [Fact]
    public async Task Sync_IntoAFolder_LargeBottle_WritesItsBytesStraightToDisk_SoItsFlushHasOnlyTheLastPartialBlockToWrite()
    {
        // 20 MiB and a bit: twenty whole blocks of a direct write, and a partial one.
        const long block = 1 << 20;
        var size = (20 * block) + 12_345;
        var large = new FormulaBuilder("llvm").WithBottle("monterey", size).Build();
        await using var h = await CliHarness.StartAsync([large]);
        var env = h.Environment();
        env["MIRROR_API"] = "false";

        var (run, trace) = await RunTracedAsync(env, "sync", "--platform", "monterey", "--date", "2025-07-21");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        var bottle = h.PathOf($"2025-07-21/{large.FileName("monterey")}");
        Assert.Equal(large.Bottles["monterey"].Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(bottle))));
        var move = Assert.Single(trace.Renamed, r => r.To == bottle);
        var flush = trace.Flushed.First(f => f.Path == move.From).Line;
        var writes = trace.Writes.Where(w => w.Path == move.From).OrderBy(w => w.Offset).ToArray();
        // Every byte written once, in whole blocks at the blocks' offsets, then the partial last block; all before the flush.
        Assert.Equal(21, writes.Length);
        Assert.All(writes, w => Assert.True(w.Line < flush, $"the write at {w.Offset} came after the flush"));
        Assert.Equal(Enumerable.Range(0, 21).Select(i => i * block), writes.Select(w => w.Offset));
        Assert.All(writes[..^1], w => Assert.Equal(block, w.Count));
        Assert.Equal(12_345, writes[^1].Count);
        // The file set to write past the page cache before its first write; the partial block after that was cleared.
        var flags = trace.FlagsSet.Where(f => f.Path == move.From).ToArray();
        var direct = Assert.Single(flags, f => f.Direct);
        Assert.True(direct.Line < writes.Min(w => w.Line), "the first write came before the file was set to O_DIRECT");
        var cleared = Assert.Single(flags, f => !f.Direct);
        Assert.True(writes[..^1].Max(w => w.Line) < cleared.Line && cleared.Line < writes[^1].Line,
            "O_DIRECT was not cleared between the whole blocks and the partial one");
    }
}
