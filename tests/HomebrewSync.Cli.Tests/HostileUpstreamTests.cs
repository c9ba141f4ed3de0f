using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HomebrewSync.Cli.Tests;

/// <summary>
/// The safety issue's "bounded upstream" and "secrets stay where they belong", through the CLI as its own process
/// against a local registry that sends endless and oversized bodies, hostile redirects and bottle URLs on other hosts.
/// Bounds are on bytes and memory, never on time: an endless body is generated as it is sent and stops when the client hangs up.
/// </summary>
public sealed class HostileUpstreamTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Tag = "monterey";
    private const long MiB = 1024 * 1024;

    /// <summary>Today's behaviour read endless bodies to the end of the per-attempt timeout (GBs); these bounds are far below.</summary>
    private const long PeakRssBoundKb = 400 * 1024;

    private static FakeFormula Formula(string name, long size = 20_000) => new FormulaBuilder(name).WithVersion("1.0").WithBottle(Tag, size).Build();

    private static Dictionary<string, string?> Env(CliHarness h)
    {
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = Tag;
        env["MIRROR_API"] = "false";
        return env;
    }

    [Fact]
    public async Task Sync_EndlessImageIndex_IsRefusedAtTheLimit_ThatIndexNotKept_EveryBottleStored()
    {
        var hostile = Formula("endless-index");
        var others = new[] { Formula("one"), Formula("two") };
        await using var h = await CliHarness.StartAsync([hostile, .. others]);
        h.Server.ServeEndlessIndex(hostile.Image);

        var run = await RunSampledAsync(Env(h), h.Store, "sync", "--date", "2025-07-21", "--max-index-mb", "1", "--no-progress");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        var all = run.Out + run.Error;
        Assert.Contains($"image index http://127.0.0.1:{h.Server.RegistryPort}/v2/homebrew/core/{hostile.Image}/manifests/1.0", all, StringComparison.Ordinal);
        Assert.Contains("larger than the limit of 1 MiB", all, StringComparison.Ordinal);
        foreach (var f in others.Append(hostile))
        {
            // Sized by HEAD instead, downloaded and stored: only the index is missing.
            Assert.True(File.Exists(Path.Combine(h.Store, "2025-07-21", f.FileName(Tag))), $"{f.Name} not stored: {run.Out}");
        }
        // At most two bounded reads (sizing, then keeping) of 1 MiB each, plus what sits in socket buffers when the client hangs up.
        // Memory is the bound that matters for an index (today: 4-6 GB for one endless index). The server's count of bytes written is no
        // measure of what the client read: Kestrel accepts and drops writes for a while after the client hung up.
        output.WriteLine($"peak RSS {run.PeakRssKb:N0} kB; server wrote {h.Server.IndexBytesServed:N0} index bytes");
        Assert.True(run.PeakRssKb is > 0 and < PeakRssBoundKb, $"peak RSS {run.PeakRssKb:N0} kB");
        await CliHarness.UntilAsync(() => h.Server.EndlessBodiesOpen == 0, "the server's endless bodies end when the client hangs up");
    }

    [Fact]
    public async Task Sync_ImageIndexCutShortOrNotUtf8_FailsThatIndexOnly_EveryBottleStored()
    {
        // One index holds a byte that is not UTF-8 inside a string (the JSON reader lets it through; reading it as text threw
        // InvalidOperationException), another ends before its Content-Length (HttpIOException): either ended the whole run, exit 1.
        var garbled = Formula("garbled");
        var cut = Formula("cut");
        var fine = Formula("fine");
        await using var h = await CliHarness.StartAsync([garbled, cut, fine]);
        h.Server.RewriteIndex = (image, document) =>
        {
            if (image != garbled.Image)
            {
                return document;
            }
            var index = System.Text.Json.Nodes.JsonNode.Parse(document)!.AsObject();
            index["manifests"]![0]!["annotations"]!["sh.brew.bottle.size"] = "2#0";
            var bytes = Encoding.UTF8.GetBytes(index.ToJsonString());
            bytes[Array.IndexOf(bytes, (byte)'#')] = 0xFF;
            return bytes;
        };
        h.Server.CutIndex(cut.Image);

        var run = await CliHarness.RunAsync(Env(h), "sync", "--date", "2025-07-21", "--no-progress", "--json");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        foreach (var f in new[] { garbled, cut, fine })
        {
            Assert.True(File.Exists(Path.Combine(h.Store, "2025-07-21", f.FileName(Tag))), $"{f.Name} not stored: {run.Out}\n{run.Error}");
        }
        using var json = System.Text.Json.JsonDocument.Parse(run.Out);
        var notKept = json.RootElement.GetProperty("indexes_not_kept").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, notKept.Length);
        Assert.StartsWith("manifests/cut/1.0.json: ", notKept[0], StringComparison.Ordinal);
        Assert.StartsWith("manifests/garbled/1.0.json: ", notKept[1], StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(h.Store, "manifests", "fine", "1.0.json")));
    }

    [Fact]
    public async Task Sync_ImageIndexesAnnouncingAbsurdSizesOrOtherImagesSizes_AreNotTaken_EveryBottleStored()
    {
        // One index announces the largest size a long holds (the plan's totals overflowed: the whole run failed); one announces
        // 5 GiB (past MAX_BOTTLE_SIZE_GB, it pushed the plan past MAX_DOWNLOAD_SIZE_GB: refused whole); another announces a
        // 1-byte size for a third image's blob, whose own index names nothing (that bottle failed as "larger than its
        // announced size").
        var liar = Formula("liar");
        var boaster = Formula("boaster");
        var meddler = Formula("meddler");
        var victim = Formula("victim");
        await using var h = await CliHarness.StartAsync([liar, boaster, meddler, victim]);
        h.Server.RewriteIndex = (image, document) =>
        {
            var index = System.Text.Json.Nodes.JsonNode.Parse(document)!.AsObject();
            var manifests = index["manifests"]!.AsArray();
            if (image == liar.Image)
            {
                manifests[0]!["annotations"]!["sh.brew.bottle.size"] = long.MaxValue.ToString(CultureInfo.InvariantCulture);
            }
            else if (image == boaster.Image)
            {
                manifests[0]!["annotations"]!["sh.brew.bottle.size"] = (5L << 30).ToString(CultureInfo.InvariantCulture);
            }
            else if (image == meddler.Image)
            {
                var forged = manifests[0]!.DeepClone();
                forged["annotations"]!["sh.brew.bottle.digest"] = victim.Bottles[Tag].Sha256;
                forged["annotations"]!["sh.brew.bottle.size"] = "1";
                manifests.Add(forged);
            }
            else if (image == victim.Image)
            {
                manifests.Clear();
            }
            return Encoding.UTF8.GetBytes(index.ToJsonString());
        };

        var env = Env(h);
        env["MAX_DOWNLOAD_SIZE_GB"] = "1";

        var run = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-21", "--no-progress", "--max-bottle-gb", "2");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        Assert.Contains($"liar-1.0-{Tag}: its image index announces {long.MaxValue:N0} bytes, more than MAX_BOTTLE_SIZE_GB allows", run.Out + run.Error, StringComparison.Ordinal);
        Assert.Contains($"boaster-1.0-{Tag}: its image index announces {5L << 30:N0} bytes, more than MAX_BOTTLE_SIZE_GB allows", run.Out + run.Error, StringComparison.Ordinal);
        foreach (var f in new[] { liar, boaster, meddler, victim })
        {
            Assert.True(File.Exists(Path.Combine(h.Store, "2025-07-21", f.FileName(Tag))), $"{f.Name} not stored: {run.Out}\n{run.Error}");
        }
    }

    [Fact]
    public async Task PlanSyncAndPrune_ACatalogPastItsLimit_IsRefusedWhole_TheStoreUnchanged()
    {
        // About 1.5 MB of valid formulae against a 1 MiB limit: every formula would be held (prune, pull-through), so a
        // catalog without end took the memory. Refused whole: nothing planned, downloaded, recorded or pruned from it.
        await using var h = await CliHarness.StartAsync([Formula("first")]);
        Assert.Equal(0, (await CliHarness.RunAsync(Env(h), "sync", "--date", "2025-07-01", "--no-progress")).ExitCode);
        h.Server.SetFormulae(Enumerable.Range(0, 1500).Select(i => Formula($"many{i:0000}")));
        var before = Directory.GetFiles(h.Store, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        foreach (var command in new[] { new[] { "plan" }, ["sync", "--date", "2025-07-21"], ["prune", "--keep-days", "0"] })
        {
            var run = await CliHarness.RunAsync(Env(h), [.. command, "--max-catalog-mb", "1"]);

            Assert.True(run.ExitCode == 1, $"{command[0]}: exit {run.ExitCode}: {run.Out}\n{run.Error}");
            Assert.Contains("The catalog is larger than 1 MiB (MAX_CATALOG_MB); refused whole", run.Error, StringComparison.Ordinal);
        }
        var after = Directory.GetFiles(h.Store, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, f => Assert.Equal(f.Value, after[f.Key]));
        Assert.Equal(1, h.Server.TotalBlobGets); // the first sync's bottle only

        // The same catalog within the default limit plans every formula.
        var plan = await CliHarness.RunAsync(Env(h), "plan");
        Assert.True(plan.ExitCode == 0, plan.Error);
    }

    [Fact]
    public async Task Sync_BlobBodyPastItsAnnouncedSize_IsCutOff_ThatBottleFails_OthersStored()
    {
        var hostile = Formula("oversized", 50_000);
        var others = new[] { Formula("one", 30_000), Formula("two", 40_000) };
        await using var h = await CliHarness.StartAsync([hostile, .. others]);
        h.Server.InjectFault(hostile.Bottles[Tag].Sha256, FaultKind.Endless, times: 4);

        var run = await RunSampledAsync(Env(h), h.Store, "sync", "--date", "2025-07-21", "--no-progress");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        var all = run.Out + run.Error;
        Assert.Contains("body larger than its announced size (50,000 bytes); cut off there", all, StringComparison.Ordinal);
        Assert.Equal(1, h.Server.BlobGets(hostile.Bottles[Tag].Sha256)); // a final failure: not retried
        Assert.False(File.Exists(Path.Combine(h.Store, "2025-07-21", hostile.FileName(Tag))));
        foreach (var f in others)
        {
            Assert.True(File.Exists(Path.Combine(h.Store, "2025-07-21", f.FileName(Tag))), $"{f.Name} not stored: {run.Out}");
        }
        var staging = Path.Combine(h.Store, ".staging");
        Assert.Equal(0, DirectoryBytes(staging));
        // Staged bytes sampled while it ran stay within the three announced sizes (today: GBs in .staging). The server's count of bytes
        // written is no measure of what the client read: Kestrel accepts and drops writes for a while after the client hung up.
        output.WriteLine($"peak RSS {run.PeakRssKb:N0} kB, staged at most {run.PeakStagedBytes:N0} bytes; server wrote {h.Server.BytesServed:N0}");
        Assert.True(run.PeakStagedBytes <= 50_000 + 30_000 + 40_000, $"{run.PeakStagedBytes:N0} bytes staged at once");
        Assert.True(run.PeakRssKb is > 0 and < PeakRssBoundKb, $"peak RSS {run.PeakRssKb:N0} kB");
        await CliHarness.UntilAsync(() => h.Server.EndlessBodiesOpen == 0, "the server's endless body ends when the client hangs up");
    }

    [Fact]
    public async Task Sync_RedirectsToFileFtpDataOrNoUrl_FailThoseBottlesOnly_ExitThree()
    {
        var faults = new[] { FaultKind.RedirectToFile, FaultKind.RedirectToFtp, FaultKind.RedirectToData, FaultKind.RedirectUnparsable };
        var hostile = faults.Select((k, i) => (Kind: k, Formula: Formula("redirect" + i.ToString(CultureInfo.InvariantCulture)))).ToArray();
        var healthy = Formula("healthy");
        await using var h = await CliHarness.StartAsync([.. hostile.Select(x => x.Formula), healthy]);
        foreach (var (kind, f) in hostile)
        {
            h.Server.InjectFault(f.Bottles[Tag].Sha256, kind, times: 4);
        }

        var run = await CliProcess.RunAsync(Env(h), "sync", "--date", "2025-07-21", "--no-progress");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        var all = run.Out + run.Error;
        Assert.DoesNotContain("unexpected", all, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("to a file: URL refused (only http and https are followed)", all, StringComparison.Ordinal);
        Assert.Contains("to a ftp: URL refused", all, StringComparison.Ordinal);
        Assert.Contains("to a data: URL refused", all, StringComparison.Ordinal);
        Assert.Contains("to a Location that is not a URL", all, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(h.Store, "2025-07-21", healthy.FileName(Tag))), run.Out);
        foreach (var (_, f) in hostile)
        {
            Assert.False(File.Exists(Path.Combine(h.Store, "2025-07-21", f.FileName(Tag))));
        }
    }

    [Fact]
    public async Task Sync_RedirectFromHttpsToPlainHttp_IsRefused_ThatBottleFails_HttpsToHttpsIsFollowed()
    {
        var downgraded = Formula("downgraded");
        var secure = Formula("secure");
        await using var h = await CliHarness.StartAsync([downgraded, secure]);
        var tokens = 0;
        // A registry over https: one image's blob redirects to the fake registry's plain-http blob host, the other's to a
        // signed URL on this same https server, which serves the bytes.
        await using var registry = await TlsServer.StartAsync(async (ctx, self) =>
        {
            var path = ctx.Request.Path.Value ?? "";
            if (ctx.Request.Headers.ContainsKey("Authorization"))
            {
                Interlocked.Increment(ref tokens);
            }
            var sha = path[(path.LastIndexOf(':') + 1)..];
            if (path.StartsWith("/signed/", StringComparison.Ordinal) && secure.Bottles[Tag].Sha256 == path["/signed/".Length..])
            {
                await ctx.Response.Body.WriteAsync(secure.Bottles[Tag].ToArray());
                return;
            }
            ctx.Response.StatusCode = 307;
            if (path == $"/v2/homebrew/core/{downgraded.Image}/blobs/sha256:{downgraded.Bottles[Tag].Sha256}")
            {
                ctx.Response.Headers.Location = $"http://127.0.0.1:{h.Server.BlobPort}/blobs/{sha}?se=2099-01-01&sig=fake";
            }
            else if (path == $"/v2/homebrew/core/{secure.Image}/blobs/sha256:{secure.Bottles[Tag].Sha256}")
            {
                ctx.Response.Headers.Location = self.Url($"/signed/{sha}?se=2099-01-01&sig=fake");
            }
            else
            {
                ctx.Response.StatusCode = 404;
            }
        });
        var catalog = Encoding.UTF8.GetString(CatalogWriter.ToBytes([downgraded, secure], h.Server.RegistryPort));
        foreach (var f in new[] { downgraded, secure })
        {
            catalog = catalog.Replace(h.Server.BlobUrl(f, Tag), registry.Url($"/v2/homebrew/core/{f.Image}/blobs/sha256:{f.Bottles[Tag].Sha256}"), StringComparison.Ordinal);
        }
        h.Server.SetCatalogBody(Encoding.UTF8.GetBytes(catalog));
        var env = Env(h);
        env.Add(registry.TrustOnly.Key, registry.TrustOnly.Value);

        var run = await CliProcess.RunAsync(env, "sync", "--date", "2025-07-21", "--no-progress");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        Assert.Contains($"redirect from https://127.0.0.1:{registry.Port} to plain http (127.0.0.1:{h.Server.BlobPort}) refused", run.Out + run.Error, StringComparison.Ordinal);
        Assert.Equal(0, h.Server.BlobGets(downgraded.Bottles[Tag].Sha256));
        Assert.False(File.Exists(Path.Combine(h.Store, "2025-07-21", downgraded.FileName(Tag))));
        // The https registry was trusted and sent the token; its https redirect was followed and the bottle stored.
        Assert.True(tokens > 0);
        Assert.Equal(secure.Bottles[Tag].ToArray(), await File.ReadAllBytesAsync(Path.Combine(h.Store, "2025-07-21", secure.FileName(Tag))));
    }

    [Fact]
    public async Task Sync_BottleUrlOnAnotherHost_GetsNoToken_ThatBottleFails_RegistryHostStillGetsIt()
    {
        var away = Formula("away");
        var home = Formula("home");
        await using var h = await CliHarness.StartAsync([away, home]);
        // The catalog names another host (localhost, same server) for one formula's bottles.
        var catalog = Encoding.UTF8.GetString(CatalogWriter.ToBytes([away, home], h.Server.RegistryPort)).Replace(
            $"http://127.0.0.1:{h.Server.RegistryPort}/v2/homebrew/core/{away.Image}/", $"http://localhost:{h.Server.RegistryPort}/v2/homebrew/core/{away.Image}/", StringComparison.Ordinal);
        h.Server.SetCatalogBody(Encoding.UTF8.GetBytes(catalog));

        var run = await CliProcess.RunAsync(Env(h), "sync", "--date", "2025-07-21", "--no-progress");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        Assert.Equal(0, h.Server.AuthorizationsReceivedFor("localhost"));
        Assert.True(h.Server.AuthorizationsReceivedFor("127.0.0.1") > 0);
        Assert.Equal(0, h.Server.AuthorizationLeaks);
        Assert.Contains("access denied", run.Out + run.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(h.Store, "2025-07-21", home.FileName(Tag))), run.Out);
        Assert.False(File.Exists(Path.Combine(h.Store, "2025-07-21", away.FileName(Tag))));
    }

    [Fact]
    public async Task Sync_WithoutRegistryHosts_SendsTheTokenToNoLocalHost()
    {
        var f = Formula("one");
        await using var h = await CliHarness.StartAsync([f]);
        var env = Env(h);
        env.Remove("HOMEBREW_REGISTRY_HOSTS");

        var run = await CliProcess.RunAsync(env, "sync", "--date", "2025-07-21", "--no-progress");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        Assert.Equal(0, h.Server.AuthorizationsReceivedFor("127.0.0.1"));
        Assert.True(h.Server.UnauthorizedRequests > 0);
    }

    [Fact]
    public async Task Plan_PasswordInApiUrl_AppearsNowhere_NotEvenInAnError()
    {
        var f = Formula("one");
        await using var h = await CliHarness.StartAsync([f]);
        var env = Env(h);
        env["HOMEBREW_API_URL"] = $"http://mirror-user:s3cretpw@127.0.0.1:{h.Server.RegistryPort}/api/formula.json";

        var plan = await CliProcess.RunAsync(env, "plan");
        var json = await CliProcess.RunAsync(env, "plan", "--json");
        env["HOMEBREW_API_URL"] = $"http://mirror-user:s3cretpw@127.0.0.1:{h.Server.RegistryPort}/nothing/formula.json";
        var failed = await CliProcess.RunAsync(env, "plan");

        Assert.True(plan.ExitCode == 0, $"exit {plan.ExitCode}: {plan.Out}\n{plan.Error}");
        Assert.Contains("from http://***@127.0.0.1:", plan.Out, StringComparison.Ordinal);
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("***@127.0.0.1", json.Out, StringComparison.Ordinal);
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("http://***@127.0.0.1", failed.Error, StringComparison.Ordinal);
        foreach (var output in new[] { plan.Out, plan.Error, json.Out, json.Error, failed.Out, failed.Error })
        {
            Assert.DoesNotContain("s3cretpw", output, StringComparison.Ordinal);
            Assert.DoesNotContain("mirror-user", output, StringComparison.Ordinal);
        }
        // HttpClient never sends a URL's user-info, so dropping it from plans changes no request.
        Assert.Equal(0, h.Server.CatalogAuthorizations);
    }

    [Theory]
    [InlineData("HOMEBREW_REGISTRY_TOKEN", "abc\ndef-secret")]
    [InlineData("HOMEBREW_REGISTRY_TOKEN", "abc\u0001def-secret")]
    [InlineData("HOMEBREW_REGISTRY_HOSTS", "https://ghcr.io")]
    [InlineData("MAX_IMAGE_INDEX_MB", "0")]
    [InlineData("MAX_API_FILE_MB", "100000")]
    [InlineData("MAX_BOTTLE_SIZE_GB", "-1")]
    [InlineData("MAX_BREW_GIT_MB", "0")]
    [InlineData("BREW_GIT_REMOTE_URL", "https://github.com/Homebrew/brew?token=def-secret")]
    [InlineData("BREW_GIT_REMOTE_URL", "ssh://git:def-secret@github.com/Homebrew/brew")]
    [InlineData("BREW_GIT_REMOTE_URL", "https://bot:def-secret%0Aline@github.com/Homebrew/brew")]
    public async Task Sync_BadUpstreamSetting_IsAUsageErrorNamingTheSetting(string name, string value)
    {
        await using var h = await CliHarness.StartAsync([Formula("one")]);
        var env = Env(h);
        env[name] = value;

        var run = await CliProcess.RunAsync(env, "sync");

        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        Assert.Contains(name + ":", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", run.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("def-secret", run.Out + run.Error, StringComparison.Ordinal);
        Assert.Equal(0, h.Server.CatalogRequests);
    }

    private sealed record SampledRun(int ExitCode, string Out, string Error, long PeakRssKb, long PeakStagedBytes);

    /// <summary>Runs the CLI as a process, sampling its peak RSS (VmHWM) and the store's staged bytes until it exits.</summary>
    private static async Task<SampledRun> RunSampledAsync(IReadOnlyDictionary<string, string?> env, string store, params string[] args)
    {
        using var process = Process.Start(CliProcess.StartInfo(env, args)) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peakRss = 0, peakStaged = 0;
        var limit = Stopwatch.StartNew();
        while (!process.HasExited)
        {
            peakRss = Math.Max(peakRss, ProcField(process.Id, "status", "VmHWM:"));
            peakStaged = Math.Max(peakStaged, DirectoryBytes(Path.Combine(store, ".staging")));
            if (limit.Elapsed > TimeSpan.FromMinutes(2))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"homebrew-sync {string.Join(' ', args)} did not end: {await stderr}");
            }
            await Task.Delay(10);
        }
        await process.WaitForExitAsync();
        return new SampledRun(process.ExitCode, await stdout, await stderr, peakRss, peakStaged);
    }

    /// <summary>A number from /proc/&lt;pid&gt;/&lt;file&gt; (VmHWM: peak resident kB); 0 once the process is gone.</summary>
    private static long ProcField(int pid, string file, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/{file}").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static long DirectoryBytes(string dir)
    {
        try
        {
            return Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Exists ? f.Length : 0) : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0; // a staged file went away while it was being measured
        }
    }
}
