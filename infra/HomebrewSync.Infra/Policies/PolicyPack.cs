using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.Budgets;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.EFS;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace HomebrewSync.Infra.Policies;

/// <param name="RetainData">Resources that hold data must survive stack deletion (prod).</param>
/// <param name="Removable">Nothing may outlive the stack (dev and per-developer stacks).</param>
public sealed record PolicyOptions(bool RetainData, bool Removable, bool RequireVersioning, int MaxLambdaTimeoutSeconds, IReadOnlyList<string> RequiredTags);

/// <summary>
/// The policy pack, as a CDK Aspect: every violation is an error annotation on the offending construct
/// ("[RULE] what is wrong"), which fails <c>cdk synth</c> and the app's own run. A rule is passed only
/// through <see cref="PolicySuppressions"/>, and the suppression shows in the output with its reason.
/// </summary>
public sealed class PolicyPack : DeputyBase, IAspect
{
    // Actions IAM cannot scope to a resource: "*" is the only Resource they take.
    private static readonly string[] Unscopable =
    [
        "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
        "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries",
        "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
        "ecr:GetAuthorizationToken", "cloudwatch:PutMetricData",
        "ec2:DescribeNetworkInterfaces", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
    ];

    private static readonly string[] PublicAcls = ["PublicRead", "PublicReadWrite", "AuthenticatedRead"];
    private readonly PolicyOptions _options;

    public PolicyPack(PolicyOptions options)
    {
        _options = options;
    }

    public void Visit(IConstruct node)
    {
        switch (node)
        {
            case Stack stack when !stack.Node.FindAll().Any(c => c is CfnBudget):
                Report(node, PolicyRule.BudgetPresent, "the stack has no AWS Budget");
                break;
            case CfnBucket bucket:
                CheckBucket(bucket);
                break;
            case CfnFileSystem fs:
                CheckRetention(fs);
                break;
            case CfnPolicy p:
                CheckDocument(p, Resolve(p, p.PolicyDocument));
                break;
            case CfnManagedPolicy mp:
                CheckDocument(mp, Resolve(mp, mp.PolicyDocument));
                break;
            case CfnRole role:
                CheckRole(role);
                break;
            case CfnLogGroup logs when logs.RetentionInDays is null:
                Report(node, PolicyRule.LogRetention, "the log group keeps logs forever (no RetentionInDays)");
                break;
            case CfnFunction function:
                CheckFunction(function);
                break;
            case CfnTaskDefinition task:
                CheckTask(task);
                break;
            case CfnStateMachine machine:
                CheckStateMachine(machine);
                break;
        }
        if (node is CfnResource and ITaggable taggable)
        {
            var tags = taggable.Tags.TagValues();
            var missing = _options.RequiredTags.Where(t => !tags.ContainsKey(t)).ToArray();
            if (missing.Length > 0)
            {
                Report(node, PolicyRule.RequiredTags, $"missing required tag(s) {string.Join(", ", missing)}");
            }
        }
    }

    private void CheckBucket(CfnBucket bucket)
    {
        if (Resolve(bucket, bucket.BucketEncryption) is null)
        {
            Report(bucket, PolicyRule.BucketEncryption, "the bucket has no server-side encryption");
        }
        if (_options.RequireVersioning && P(Resolve(bucket, bucket.VersioningConfiguration), "Status")?.GetValue<string>() != "Enabled")
        {
            Report(bucket, PolicyRule.BucketVersioning, "the bucket is not versioned");
        }
        var block = Resolve(bucket, bucket.PublicAccessBlockConfiguration);
        if (new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }.Any(k => P(block, k)?.GetValue<bool>() != true))
        {
            Report(bucket, PolicyRule.BucketPublicAccess, "public access is not blocked on all four settings");
        }
        if (bucket.AccessControl is { } acl && PublicAcls.Contains(acl))
        {
            Report(bucket, PolicyRule.BucketPublicAcl, $"the bucket's ACL is {acl}");
        }
        var id = Stack.Of(bucket).Resolve(Stack.Of(bucket).GetLogicalId(bucket)) as string;
        var tlsOnly = Stack.Of(bucket).Node.FindAll().OfType<CfnBucketPolicy>().Any(p =>
            Resolve(p, p.Bucket)?["Ref"]?.GetValue<string>() == id
            && Statements(Resolve(p, p.PolicyDocument)).Any(s => s["Effect"]?.GetValue<string>() == "Deny" && s["Condition"]?["Bool"]?["aws:SecureTransport"]?.GetValue<string>() == "false"));
        if (!tlsOnly)
        {
            Report(bucket, PolicyRule.BucketTlsOnly, "no bucket policy denies requests without TLS (aws:SecureTransport)");
        }
        CheckRetention(bucket);
    }

    private void CheckRetention(CfnResource resource)
    {
        var policy = resource.CfnOptions.DeletionPolicy;
        if (_options.RetainData && policy != CfnDeletionPolicy.RETAIN)
        {
            Report(resource, PolicyRule.RetainData, "holds data but is not retained on stack deletion");
        }
        if (_options.Removable && policy == CfnDeletionPolicy.RETAIN)
        {
            Report(resource, PolicyRule.Removable, "is retained on stack deletion, so the stack cannot be removed cleanly");
        }
    }

    private void CheckRole(CfnRole role)
    {
        foreach (var arn in Resolve(role, role.ManagedPolicyArns)?.AsArray() ?? [])
        {
            if (arn?.ToJsonString().Contains("AdministratorAccess", StringComparison.Ordinal) == true)
            {
                Report(role, PolicyRule.IamAdmin, "the role has AdministratorAccess");
            }
        }
        foreach (var inline in Resolve(role, role.Policies)?.AsArray() ?? [])
        {
            CheckDocument(role, P(inline, "PolicyDocument"));
        }
    }

    private void CheckDocument(IConstruct node, JsonNode? document)
    {
        foreach (var s in Statements(document).Where(s => s["Effect"]?.GetValue<string>() == "Allow"))
        {
            var actions = Strings(s["Action"]);
            var resources = s["Resource"] is JsonArray a ? a.Select(r => r?.ToJsonString()).ToArray() : [s["Resource"]?.ToJsonString()];
            var anyResource = resources.Contains("\"*\"");
            if (actions.Contains("*"))
            {
                Report(node, anyResource ? PolicyRule.IamAdmin : PolicyRule.IamWildcardAction, anyResource ? "allows every action on every resource" : "allows every action (\"*\")");
                continue;
            }
            var scopable = actions.Where(x => !Unscopable.Contains(x)).ToArray();
            if (anyResource && scopable.Length > 0)
            {
                Report(node, PolicyRule.IamWildcardResource, $"allows {string.Join(", ", scopable)} on every resource (\"*\") where the service can scope them");
            }
        }
    }

    private void CheckFunction(CfnFunction function)
    {
        if (P(Resolve(function, function.LoggingConfig), "LogGroup") is null)
        {
            Report(function, PolicyRule.LogRetention, "the function logs to a default log group without retention (set LogGroup)");
        }
        if (function.Timeout is { } timeout && timeout > _options.MaxLambdaTimeoutSeconds)
        {
            Report(function, PolicyRule.LambdaTimeout, $"timeout {timeout} s is beyond the configured limit of {_options.MaxLambdaTimeoutSeconds} s");
        }
        CheckPlaintext(function, P(Resolve(function, function.Environment), "Variables"));
        var id = Stack.Of(function).Resolve(Stack.Of(function).GetLogicalId(function)) as string;
        if (!AlarmReferences(function, id))
        {
            Report(function, PolicyRule.AlarmCoverage, "no alarm watches this function");
        }
    }

    private void CheckTask(CfnTaskDefinition task)
    {
        foreach (var container in Resolve(task, task.ContainerDefinitions)?.AsArray() ?? [])
        {
            var env = new JsonObject();
            foreach (var e in P(container, "Environment")?.AsArray() ?? [])
            {
                env[P(e, "Name")!.GetValue<string>()] = P(e, "Value")?.DeepClone();
            }
            CheckPlaintext(task, env);
            if (P(container, "LogConfiguration") is null)
            {
                Report(task, PolicyRule.LogRetention, $"container {P(container, "Name")} has no log configuration");
            }
        }
    }

    private void CheckStateMachine(CfnStateMachine machine)
    {
        var resolved = Resolve(machine, machine.DefinitionString);
        // The definition is a string, or an Fn::Join of fragments around references: read its text as one.
        var text = string.Concat(Texts(resolved));
        var definition = resolved?.ToJsonString() ?? "";
        if (text.Contains("\"AssignPublicIp\":\"ENABLED\"", StringComparison.Ordinal))
        {
            Report(machine, PolicyRule.EcsPublicIp, "an ECS task is started with a public IP");
        }
        var stack = Stack.Of(machine);
        foreach (var subnet in stack.Node.FindAll().OfType<CfnSubnet>())
        {
            var id = stack.Resolve(stack.GetLogicalId(subnet)) as string;
            if (definition.Contains($"\"{id}\"", StringComparison.Ordinal) && subnet.MapPublicIpOnLaunch is true)
            {
                Report(machine, PolicyRule.EcsPrivateSubnets, $"an ECS task runs in the public subnet {subnet.Node.Path}");
            }
        }
        var machineId = stack.Resolve(stack.GetLogicalId(machine)) as string;
        if (!AlarmReferences(machine, machineId))
        {
            Report(machine, PolicyRule.AlarmCoverage, "no alarm watches this state machine");
        }
    }

    private void CheckPlaintext(IConstruct node, JsonNode? variables)
    {
        if (variables is not JsonObject vars)
        {
            return;
        }
        foreach (var (name, value) in vars)
        {
            var text = value?.ToJsonString() ?? "";
            if (text.Contains("hooks.slack.com", StringComparison.OrdinalIgnoreCase) || text.Contains("/services/T", StringComparison.Ordinal)
                || (name.Contains("WEBHOOK", StringComparison.OrdinalIgnoreCase) && name.EndsWith("URL", StringComparison.OrdinalIgnoreCase)))
            {
                Report(node, PolicyRule.PlaintextSecret, $"environment variable {name} holds a webhook in plain text; read it from Secrets Manager");
            }
        }
    }

    private static bool AlarmReferences(IConstruct target, string? logicalId) =>
        Stack.Of(target).Node.FindAll().OfType<CfnAlarm>().Any(a =>
            (Resolve(a, a.Dimensions)?.ToJsonString() + Resolve(a, a.Metrics)?.ToJsonString()).Contains($"\"Ref\":\"{logicalId}\"", StringComparison.Ordinal));

    private static IEnumerable<string> Texts(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        JsonArray a => a.SelectMany(Texts),
        JsonObject o => o.Select(kv => kv.Value).SelectMany(Texts),
        _ => [],
    };

    private static IEnumerable<JsonNode> Statements(JsonNode? document) =>
        document?["Statement"] is JsonArray a ? a.OfType<JsonNode>() : document?["Statement"] is JsonObject o ? [o] : [];

    private static string[] Strings(JsonNode? node) => node switch
    {
        JsonArray a => a.Select(x => x?.ToJsonString().Trim('"') ?? "").ToArray(),
        JsonValue v => [v.ToJsonString().Trim('"')],
        _ => [],
    };

    /// <summary>A property of a resolved value: L1 structs resolve with camelCase keys, documents with CloudFormation's.</summary>
    private static JsonNode? P(JsonNode? node, string name) =>
        node is JsonObject o ? o[name] ?? o[char.ToLowerInvariant(name[0]) + name[1..]] : null;

    private static JsonNode? Resolve(IConstruct scope, object? value) =>
        value is null ? null : JsonNode.Parse(JsonSerializer.Serialize(Stack.Of(scope).Resolve(value)));

    private static void Report(IConstruct node, string rule, string message)
    {
        if (PolicySuppressions.ReasonFor(node, rule) is { } reason)
        {
            Annotations.Of(node).AddInfo($"[{rule}] suppressed: {reason} ({message})");
        }
        else
        {
            Annotations.Of(node).AddError($"[{rule}] {message}");
        }
    }
}
