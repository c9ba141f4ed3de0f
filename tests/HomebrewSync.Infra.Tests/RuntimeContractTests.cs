using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Metrics;
using HomebrewSync.Core.Progress;
using HomebrewSync.Hosting;

namespace HomebrewSync.Infra.Tests;

/// <summary>
/// The contract between what is deployed and what runs: every variable a template sets is one the runtime reads;
/// every alarm and dashboard metric is one the runtime emits (namespace, name, dimensions) or one AWS publishes for
/// the resource it names; every log query matches a line the runtime prints, in a log group the stack creates.
/// </summary>
public sealed partial class RuntimeContractTests(ProdStack prod, DevStack dev, AliceStack alice) : IClassFixture<ProdStack>, IClassFixture<DevStack>, IClassFixture<AliceStack>
{
    private IEnumerable<Synthesized> Stages => [prod, dev, alice];

    [Fact]
    public void EveryEnvironmentVariableTheTemplatesSet_IsReadByTheHostThatGetsIt()
    {
        foreach (var stage in Stages)
        {
            foreach (var (name, env) in Environments(stage))
            {
                var reader = new SettingsReader(env);
                HostSettings.Read(reader, defaultStore: null);
                if (name.Contains("brew-endpoint", StringComparison.Ordinal))
                {
                    ServeSettings.Read(reader);
                }
                var ignored = env.Keys.Where(k => !reader.Requested.Contains(k)).ToArray();
                Assert.True(ignored.Length == 0, $"{stage.Names.StackName} {name} sets what nothing reads: {string.Join(", ", ignored)}");
                Assert.True(reader.Errors.Count == 0, $"{stage.Names.StackName} {name}: {string.Join("; ", reader.Errors)}");
            }
        }
    }

    /// <summary>Each function's and the task's environment; values the template computes become a plausible literal.</summary>
    private static IEnumerable<(string Name, Dictionary<string, string?> Env)> Environments(Synthesized stage)
    {
        static string? Value(JsonNode? v) => v is JsonValue s && s.TryGetValue<string>(out var text) ? text : "https://abc.lambda-url.us-east-1.on.aws/";
        foreach (var f in stage.Resources("AWS::Lambda::Function").Where(f => f["Properties"]!["Handler"]!.GetValue<string>().StartsWith("HomebrewSync.", StringComparison.Ordinal)))
        {
            var vars = f["Properties"]!["Environment"]!["Variables"]!.AsObject();
            yield return (f["Properties"]!["FunctionName"]!.GetValue<string>(), vars.ToDictionary(kv => kv.Key, kv => Value(kv.Value), StringComparer.Ordinal));
        }
        foreach (var t in stage.Resources("AWS::ECS::TaskDefinition"))
        {
            var vars = t["Properties"]!["ContainerDefinitions"]![0]!["Environment"]!.AsArray();
            yield return ("ecs-task", vars.ToDictionary(e => e!["Name"]!.GetValue<string>(), e => Value(e!["Value"]), StringComparer.Ordinal));
        }
    }

    /// <summary>What the runtime's EMF documents declare: namespace, metric, dimension names.</summary>
    private static readonly HashSet<string> Emitted = EmittedMetrics();

    private static HashSet<string> EmittedMetrics()
    {
        var now = new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
        var documents = new[]
        {
            EmfMetrics.ForRun("prod", "2026-11-29", "Scheduled", 3, 1, 2, TimeSpan.FromMinutes(4), 1_000_000, now),
            EmfMetrics.ForFreshness("prod", 12.5, now),
        };
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var doc in documents.Select(d => JsonNode.Parse(d)!))
        {
            foreach (var directive in doc["_aws"]!["CloudWatchMetrics"]!.AsArray())
            {
                var dims = directive!["Dimensions"]![0]!.AsArray().Select(d => d!.GetValue<string>());
                foreach (var m in directive["Metrics"]!.AsArray())
                {
                    Assert.NotNull(doc[m!["Name"]!.GetValue<string>()]);
                    set.Add(Key(directive["Namespace"]!.GetValue<string>(), m["Name"]!.GetValue<string>(), dims));
                }
            }
        }
        return set;
    }

    private static string Key(string ns, string metric, IEnumerable<string> dimensions) => $"{ns}|{metric}|{string.Join(',', dimensions.Order(StringComparer.Ordinal))}";

    /// <summary>Metrics AWS publishes, by namespace: the metric names and the dimension that names the resource.</summary>
    private static readonly Dictionary<string, (string[] Metrics, string[] Dimensions)> AwsPublished = new(StringComparer.Ordinal)
    {
        ["AWS/Lambda"] = (["Invocations", "Errors", "Duration", "Throttles", "ConcurrentExecutions", "UrlRequestCount", "Url4xxCount", "Url5xxCount", "UrlRequestLatency"], ["FunctionName"]),
        ["AWS/States"] = (["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionTime"], ["StateMachineArn"]),
        ["ECS/ContainerInsights"] = (["CpuUtilized", "CpuReserved", "MemoryUtilized", "MemoryReserved"], ["ClusterName", "TaskDefinitionFamily"]),
    };

    private sealed record MetricUse(string Where, string Namespace, string Name, IReadOnlyDictionary<string, string> Dimensions);

    [Fact]
    public void EveryAlarmAndWidget_QueriesAMetricTheRuntimeEmitsOrAwsPublishesForThatResource()
    {
        foreach (var stage in Stages)
        {
            var uses = AlarmMetrics(stage).Concat(DashboardMetrics(stage)).ToArray();
            Assert.Contains(uses, u => u.Namespace == EmfMetrics.Namespace);
            var environment = Environments(stage).First().Env[EnvVars.Environment]!;
            foreach (var use in uses)
            {
                var where = $"{stage.Names.StackName} {use.Where}: {use.Namespace} {use.Name} [{string.Join(", ", use.Dimensions.Select(d => d.Key + "=" + d.Value))}]";
                if (use.Namespace == EmfMetrics.Namespace)
                {
                    Assert.True(Emitted.Contains(Key(use.Namespace, use.Name, use.Dimensions.Keys)), where + " is not emitted with those dimensions; emitted: " + string.Join("; ", Emitted));
                    Assert.True(use.Dimensions["Environment"] == environment, where + " is not this stack's environment " + environment);
                    continue;
                }
                Assert.True(AwsPublished.TryGetValue(use.Namespace, out var published), where + ": not a namespace this stack's resources publish to");
                Assert.Contains(use.Name, published.Metrics);
                Assert.Equal(published.Dimensions.Order(StringComparer.Ordinal), use.Dimensions.Keys.Order(StringComparer.Ordinal));
                switch (use.Namespace)
                {
                    case "AWS/Lambda":
                        Assert.True(IsRefTo(stage, use.Dimensions["FunctionName"], "AWS::Lambda::Function"), where);
                        break;
                    case "AWS/States":
                        Assert.True(IsRefTo(stage, use.Dimensions["StateMachineArn"], "AWS::StepFunctions::StateMachine"), where);
                        break;
                    default:
                        var cluster = stage.Single("AWS::ECS::Cluster")["Properties"]!;
                        Assert.Equal(cluster["ClusterName"]!.GetValue<string>(), use.Dimensions["ClusterName"]);
                        Assert.Contains(cluster["ClusterSettings"]!.AsArray(), s => s!["Name"]!.GetValue<string>() == "containerInsights" && s["Value"]!.GetValue<string>() == "enabled");
                        Assert.Equal(stage.Single("AWS::ECS::TaskDefinition")["Properties"]!["Family"]!.GetValue<string>(), use.Dimensions["TaskDefinitionFamily"]);
                        break;
                }
            }
        }
    }

    [Fact]
    public void EveryLogQuery_MatchesALineTheRuntimePrints_InLogGroupsTheStackCreates()
    {
        var bottle = new PlannedBottle
        {
            Key = "wget-1.24.5-arm64_sonoma", FormulaName = "wget", FormulaVersion = "1.24.5", Platform = "arm64_sonoma",
            Sha256 = new string('a', 64), Url = "https://ghcr.io/v2/homebrew/core/wget/blobs/sha256:" + new string('a', 64),
            ObjectKey = "2026-11-29/wget--1.24.5.arm64_sonoma.bottle.tar.gz",
        };
        var printed = SyncLog.Stored(bottle, 1_572_864, alreadyPresent: false);
        var kept = SyncLog.Stored(bottle, 1_572_864, alreadyPresent: true);
        foreach (var stage in Stages)
        {
            var widgets = Dashboard(stage)["widgets"]!.AsArray().Where(w => w!["type"]!.GetValue<string>() == "log").ToArray();
            Assert.NotEmpty(widgets);
            var groups = stage.Resources("AWS::Logs::LogGroup").Select(g => g["Properties"]!["LogGroupName"]?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var widget in widgets)
            {
                var query = widget!["properties"]!["query"]!.GetValue<string>();
                var sources = SourceRegex().Matches(query).Select(m => m.Groups[1].Value).ToArray();
                Assert.NotEmpty(sources);
                Assert.All(sources, s => Assert.Contains(s, groups));
                Assert.Contains($"/aws/lambda/{stage.Names.WorkerFunction}", sources);
                var filter = FilterRegex().Match(query);
                Assert.True(filter.Success, query);
                var like = new Regex(filter.Groups[1].Value);
                Assert.Matches(like, printed);
                Assert.DoesNotMatch(like, kept);
            }
        }
    }

    private static bool IsRefTo(Synthesized stage, string value, string type) =>
        value.StartsWith("REF:", StringComparison.Ordinal) && stage.ResourcesById(type).ContainsKey(value[4..]);

    private static IEnumerable<MetricUse> AlarmMetrics(Synthesized stage)
    {
        foreach (var (id, alarm) in stage.ResourcesById("AWS::CloudWatch::Alarm"))
        {
            var p = alarm["Properties"]!;
            if (p["MetricName"] is not null)
            {
                yield return new MetricUse("alarm " + id, p["Namespace"]!.GetValue<string>(), p["MetricName"]!.GetValue<string>(), Dimensions(p["Dimensions"]));
            }
            foreach (var m in p["Metrics"]?.AsArray() ?? [])
            {
                if (m!["MetricStat"]?["Metric"] is { } metric)
                {
                    yield return new MetricUse("alarm " + id, metric["Namespace"]!.GetValue<string>(), metric["MetricName"]!.GetValue<string>(), Dimensions(metric["Dimensions"]));
                }
            }
        }
    }

    private static Dictionary<string, string> Dimensions(JsonNode? dimensions) =>
        (dimensions?.AsArray() ?? []).ToDictionary(d => d!["Name"]!.GetValue<string>(), d => Token(d!["Value"]), StringComparer.Ordinal);

    private static string Token(JsonNode? value) => value switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonObject o when o["Ref"] is { } r => "REF:" + r.GetValue<string>(),
        _ => value!.ToJsonString(),
    };

    /// <summary>The dashboard body, with each reference in it written as <c>REF:LogicalId</c>.</summary>
    private static JsonObject Dashboard(Synthesized stage)
    {
        var body = stage.Single("AWS::CloudWatch::Dashboard")["Properties"]!["DashboardBody"]!;
        var text = body is JsonValue v ? v.GetValue<string>() : string.Concat(body["Fn::Join"]![1]!.AsArray().Select(Token));
        return JsonNode.Parse(text)!.AsObject();
    }

    private static IEnumerable<MetricUse> DashboardMetrics(Synthesized stage)
    {
        foreach (var widget in Dashboard(stage)["widgets"]!.AsArray())
        {
            var title = "widget " + widget!["properties"]?["title"]?.GetValue<string>();
            foreach (var row in widget["properties"]?["metrics"]?.AsArray() ?? [])
            {
                var items = row!.AsArray();
                if (items[0] is JsonObject expression)
                {
                    foreach (Match search in SearchRegex().Matches(expression["expression"]!.GetValue<string>()))
                    {
                        var dims = search.Groups[1].Value.Split(',').Skip(1).ToArray();
                        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["Environment"] = search.Groups[3].Value };
                        Assert.Equal(["Environment"], dims.Intersect(["Environment"]));
                        // A search over every value of the other dimensions: only their names are fixed.
                        foreach (var d in dims.Where(d => d != "Environment"))
                        {
                            values[d] = "*";
                        }
                        yield return new MetricUse(title, search.Groups[1].Value.Split(',')[0], search.Groups[2].Value, values);
                    }
                    continue;
                }
                var strings = items.TakeWhile(i => i is JsonValue).Select(i => i!.GetValue<string>()).ToArray();
                var dimensions = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 2; i + 1 < strings.Length; i += 2)
                {
                    dimensions[strings[i]] = strings[i + 1];
                }
                yield return new MetricUse(title, strings[0], strings[1], dimensions);
            }
        }
    }

    [GeneratedRegex("""SEARCH\('\{([^}]*)\}\s+MetricName="([^"]+)"\s+Environment="([^"]+)"'""")]
    private static partial Regex SearchRegex();

    [GeneratedRegex("SOURCE '([^']+)'")]
    private static partial Regex SourceRegex();

    [GeneratedRegex(@"filter @message like /(.+?)/\s*(\n|\||$)")]
    private static partial Regex FilterRegex();
}
