using System.Text;
using HomebrewSync.Core.Orchestration;

namespace HomebrewSync.Core.Tests.Orchestration;

/// <summary>Plans are documents; what the repository needs besides is only how to name a key's place in messages.</summary>
public sealed class PlanRepositoryTests
{
    private const string Key = "plans/2025-07-21/20250721T030000Z-abcd1234.json";

    [Fact]
    public async Task LoadAsync_MissingOrBrokenPlan_NamesWhereItWasLooked()
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => $"s3://mirror/{k}");

        var missing = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));
        await documents.PutDocumentAsync(Key, Encoding.UTF8.GetBytes("{ broken"), "application/json", CancellationToken.None);
        var broken = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));

        Assert.Equal($"No plan at s3://mirror/{Key}", missing.Message);
        Assert.StartsWith($"s3://mirror/{Key} is not a plan: ", broken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_PlanThatListsOneKeyTwice_IsRefusedNamingIt()
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => $"s3://mirror/{k}");
        PlannedBottle Bottle(char sha) => new()
        {
            Key = "curl-8.2.1-monterey",
            FormulaName = "curl",
            FormulaVersion = "8.2.1",
            Platform = "monterey",
            Sha256 = new string(sha, 64),
            Url = "https://ghcr.io/v2/homebrew/core/curl/blobs/sha256:" + new string(sha, 64),
            ObjectKey = "2025-07-21/curl-8.2.1.monterey.bottle.tar.gz",
        };
        var plan = new SyncPlan { SyncDate = "2025-07-21", CreatedAt = DateTimeOffset.UnixEpoch, ApiUrl = "https://formulae.brew.sh/api/formula.json", Platforms = ["monterey"], Bottles = [Bottle('a'), Bottle('b')] };
        await plans.SaveAsync(Key, plan, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));

        Assert.Equal($"s3://mirror/{Key} is not a plan this version executes: it lists curl-8.2.1-monterey twice", refused.Message);
    }

    [Fact]
    public async Task LoadAsync_PlanOfAnEarlierVersion_WithoutTheListsAddedSince_ReadsThemAsEmpty()
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => k);
        // A plan as the first version saved it: no retire, manifests, api_files or portable_ruby, no serves or replaces per bottle.
        const string earlier = """
            {"sync_date":"2025-07-21","created_at":"2025-07-21T03:00:00+00:00","api_url":"https://formulae.brew.sh/api/formula.json",
             "platforms":["monterey"],"bottles":[{"key":"curl-8.2.1-monterey","formula_name":"curl","formula_version":"8.2.1",
             "platform":"monterey","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
             "url":"https://ghcr.io/v2/homebrew/core/curl/blobs/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
             "object_key":"2025-07-21/curl-8.2.1.monterey.bottle.tar.gz"}]}
            """;
        await documents.PutDocumentAsync(Key, Encoding.UTF8.GetBytes(earlier), "application/json", CancellationToken.None);
        await documents.PutDocumentAsync(PlanRepository.StateKey(Key), Encoding.UTF8.GetBytes("""{"invocations":1,"started_at":"2025-07-21T03:00:00+00:00"}"""), "application/json", CancellationToken.None);

        var plan = await plans.LoadAsync(Key, CancellationToken.None);
        var state = await plans.LoadStateAsync(Key, CancellationToken.None);

        Assert.Empty(plan.Retire);
        Assert.Empty(plan.ImageIndexes);
        Assert.Empty(plan.ApiFiles);
        Assert.Empty(plan.PortableRuby);
        var bottle = Assert.Single(plan.Bottles);
        Assert.Empty(bottle.Serves);
        Assert.Empty(bottle.Replaces);
        Assert.NotNull(state);
        Assert.Empty(state.Stored);
        Assert.Empty(state.Failed);
    }

    [Theory]
    [InlineData("\"bottles\":null")]
    [InlineData("\"manifests\":null,\"bottles\":[]")]
    [InlineData("\"bottles\":[{\"key\":\"curl-8.2.1-monterey\",\"formula_name\":\"curl\",\"formula_version\":\"8.2.1\",\"platform\":\"monterey\",\"sha256\":\"aa\",\"url\":null,\"object_key\":\"2025-07-21/curl-8.2.1.monterey.bottle.tar.gz\"}]")]
    public async Task LoadAsync_PlanWithANullWhereNoneIsAllowed_IsNotAPlan(string rest)
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => k);
        var json = $$"""{"sync_date":"2025-07-21","created_at":"2025-07-21T03:00:00+00:00","api_url":"https://formulae.brew.sh/api/formula.json","platforms":["monterey"],{{rest}}}""";
        await documents.PutDocumentAsync(Key, Encoding.UTF8.GetBytes(json), "application/json", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));

        Assert.StartsWith($"{Key} is not a plan: ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"bottles\":[null]", "bottles[0]")]
    [InlineData("\"bottles\":[],\"retire\":[\"a\",null]", "retire[1]")]
    [InlineData("\"bottles\":[],\"manifests\":[{\"key\":\"manifests/curl/8.2.1.json\",\"image_url\":\"u\",\"reference\":\"8.2.1\",\"digests\":[null]}]", "manifests[0].digests[0]")]
    [InlineData("\"bottles\":[{\"key\":\"curl-8.2.1-monterey\",\"formula_name\":\"curl\",\"formula_version\":\"8.2.1\",\"platform\":\"monterey\",\"sha256\":\"aa\",\"url\":\"u\",\"object_key\":\"2025-07-21/curl-8.2.1.monterey.bottle.tar.gz\",\"serves\":[null]}]", "bottles[0].serves[0]")]
    public async Task LoadAsync_PlanWithANullInsideAList_IsNotAPlanAndSaysWhere(string rest, string where)
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => k);
        var json = $$"""{"sync_date":"2025-07-21","created_at":"2025-07-21T03:00:00+00:00","api_url":"https://formulae.brew.sh/api/formula.json","platforms":["monterey"],{{rest}}}""";
        await documents.PutDocumentAsync(Key, Encoding.UTF8.GetBytes(json), "application/json", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));

        Assert.Equal($"{Key} is not a plan: {where} is null", ex.Message);
    }

    private const string Sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// <summary>A plan as the planner writes it, with one member replaced by what a hand (or something else) wrote there.</summary>
    private static string PlanWith(string member, string value)
    {
        var members = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["sync_date"] = "\"2025-07-21\"",
            ["key"] = "\"curl-8.2.1-monterey\"",
            ["formula_name"] = "\"curl\"",
            ["formula_version"] = "\"8.2.1\"",
            ["platform"] = "\"monterey\"",
            ["sha256"] = $"\"{Sha}\"",
            ["size"] = "1024",
            ["object_key"] = "\"2025-07-21/curl-8.2.1.monterey.bottle.tar.gz\"",
            ["date"] = "null",
            ["copy_from"] = "null",
            ["serves"] = "[\"monterey\"]",
            ["manifest_key"] = "\"manifests/curl/8.2.1.json\"",
            ["digests"] = $"[\"{Sha}\"]",
            ["api_path"] = "\"internal/packages.monterey.jws.json\"",
            ["staged"] = "\"plans/2025-07-21/20250721T030000Z-abcd1234.api/internal/packages.monterey.jws.json\"",
            ["portable_ruby"] = "[\"3.4.7\"]",
        };
        Assert.True(member.Length == 0 || members.ContainsKey(member), member);
        if (member.Length > 0)
        {
            members[member] = value;
        }
        string M(string name) => members[name];
        return $$"""
            {"sync_date":{{M("sync_date")}},"created_at":"2025-07-21T03:00:00+00:00","api_url":"https://formulae.brew.sh/api/formula.json","platforms":["monterey"],
             "bottles":[{"key":{{M("key")}},"formula_name":{{M("formula_name")}},"formula_version":{{M("formula_version")}},"platform":{{M("platform")}},
               "sha256":{{M("sha256")}},"size":{{M("size")}},"url":"https://ghcr.io/v2/homebrew/core/curl/blobs/sha256:{{Sha}}","object_key":{{M("object_key")}},
               "date":{{M("date")}},"copy_from":{{M("copy_from")}},"serves":{{M("serves")}}}],
             "manifests":[{"key":{{M("manifest_key")}},"image_url":"https://ghcr.io/v2/homebrew/core/curl","reference":"8.2.1","digests":{{M("digests")}}}],
             "api_files":[{"path":{{M("api_path")}},"tags":["monterey"],"status":"fetched","staged":{{M("staged")}},"sha256":"{{Sha}}"}],
             "portable_ruby":{{M("portable_ruby")}}}
            """;
    }

    [Fact]
    public async Task LoadAsync_PlanAsThePlannerWritesIt_Loads()
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => k);
        await documents.PutDocumentAsync(Key, Encoding.UTF8.GetBytes(PlanWith("", "")), "application/json", CancellationToken.None);

        var plan = await plans.LoadAsync(Key, CancellationToken.None);

        Assert.Equal("2025-07-21/curl-8.2.1.monterey.bottle.tar.gz", Assert.Single(plan.Bottles).ObjectKey);
    }

    [Theory]
    [InlineData("sync_date", "\"9999-99-99\"", "sync_date '9999-99-99' is not a date (YYYY-MM-DD)")]
    [InlineData("key", "\"curl-8.2.1-monterey/../x\"", "bottles[0] (curl-8.2.1-monterey/../x): its key should be 'curl-8.2.1-monterey' (name-version-platform)")]
    [InlineData("formula_name", "\"../curl\"", "bottles[0] (curl-8.2.1-monterey): formula_name, formula_version or platform is not a formula name, version or bottle tag")]
    [InlineData("formula_version", "\"8.2/1\"", "bottles[0] (curl-8.2.1-monterey): formula_name, formula_version or platform is not a formula name, version or bottle tag")]
    [InlineData("platform", "\"Monterey\"", "bottles[0] (curl-8.2.1-monterey): formula_name, formula_version or platform is not a formula name, version or bottle tag")]
    [InlineData("sha256", "\"aa\"", "bottles[0] (curl-8.2.1-monterey): sha256 is not a SHA-256 (64 hex digits)")]
    [InlineData("size", "9223372036854775807", "bottles[0] (curl-8.2.1-monterey): size 9223372036854775807 is not a bottle's (0 to 1,099,511,627,776 bytes)")]
    [InlineData("size", "-1", "bottles[0] (curl-8.2.1-monterey): size -1 is not a bottle's (0 to 1,099,511,627,776 bytes)")]
    [InlineData("object_key", "\"../2025-07-21/curl-8.2.1.monterey.bottle.tar.gz\"", "bottles[0] (curl-8.2.1-monterey): object_key '../2025-07-21/curl-8.2.1.monterey.bottle.tar.gz' is not this bottle's object (YYYY-MM-DD/curl-8.2.1.monterey.bottle.tar.gz)")]
    [InlineData("object_key", "\"2025-07-21//curl-8.2.1.monterey.bottle.tar.gz\"", "bottles[0] (curl-8.2.1-monterey): object_key '2025-07-21//curl-8.2.1.monterey.bottle.tar.gz' is not this bottle's object (YYYY-MM-DD/curl-8.2.1.monterey.bottle.tar.gz)")]
    [InlineData("object_key", "\"bottles_hash.json\"", "bottles[0] (curl-8.2.1-monterey): object_key 'bottles_hash.json' is not this bottle's object (YYYY-MM-DD/curl-8.2.1.monterey.bottle.tar.gz)")]
    [InlineData("date", "\"garbage\"", "bottles[0] (curl-8.2.1-monterey): date 'garbage' is not a date (YYYY-MM-DD)")]
    [InlineData("copy_from", "\"plans/x.json\"", "bottles[0] (curl-8.2.1-monterey): copy_from 'plans/x.json' is not a bottle's key")]
    [InlineData("serves", "[\"../x\"]", "bottles[0] (curl-8.2.1-monterey): serves: '../x' is not a bottle tag")]
    [InlineData("manifest_key", "\"manifests/curl/../../bottles_hash.json\"", "manifests[0]: 'manifests/curl/../../bottles_hash.json' is not an image index's key (manifests/<image>/<version>.json)")]
    [InlineData("manifest_key", "\"manifests\\\\curl\\\\8.2.1.json\"", "manifests[0]: 'manifests\\curl\\8.2.1.json' is not an image index's key (manifests/<image>/<version>.json)")]
    [InlineData("digests", "[\"zz\"]", "manifests[0] (manifests/curl/8.2.1.json): digest 'zz' is not a SHA-256")]
    [InlineData("api_path", "\"../bottles_hash.json\"", "api_files[0]: '../bottles_hash.json' is not the path of one of Homebrew's API files")]
    [InlineData("api_path", "\"internal/a\\\\b.jws.json\"", "api_files[0]: 'internal/a\\b.jws.json' is not the path of one of Homebrew's API files")]
    [InlineData("staged", "\"bottles_hash.json\"", "api_files[0] (internal/packages.monterey.jws.json): staged 'bottles_hash.json' is not under plans/")]
    [InlineData("portable_ruby", "[\"3.4/../7\"]", "portable_ruby: '3.4/../7' is not a version")]
    public async Task LoadAsync_PlanNamingWhatItsExecutorMustNotActOn_IsRefusedSayingWhat(string member, string value, string problem)
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => k);
        await documents.PutDocumentAsync(Key, Encoding.UTF8.GetBytes(PlanWith(member, value)), "application/json", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadAsync(Key, CancellationToken.None));

        Assert.Equal($"{Key} is not a plan this version executes: {problem}", ex.Message);
    }

    [Theory]
    [InlineData("""{"invocations":1,"started_at":"2025-07-21T03:00:00+00:00","stored":null}""")]
    [InlineData("""{"invocations":1,"started_at":"2025-07-21T03:00:00+00:00","stored":["curl-8.2.1-monterey",null]}""")]
    [InlineData("""{"invocations":1,"started_at":"2025-07-21T03:00:00+00:00","failed":[null]}""")]
    [InlineData("""{"invocations":1,"stored":["curl-8.2.1-monterey" """)]
    public async Task LoadStateAsync_StateThatIsNotReadable_SaysSoAndHowToGoOn(string state)
    {
        var documents = new InMemoryStore();
        var plans = new PlanRepository(documents, k => k);
        await documents.PutDocumentAsync(PlanRepository.StateKey(Key), Encoding.UTF8.GetBytes(state), "application/json", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<PlanNotFoundException>(() => plans.LoadStateAsync(Key, CancellationToken.None));

        Assert.StartsWith($"{PlanRepository.StateKey(Key)} is not a plan state (", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("remove it to run the plan again from what the hash file holds", ex.Message, StringComparison.Ordinal);
    }
}
