using System.Text.Json.Nodes;
using HomebrewSync.Infra.Policies;

namespace HomebrewSync.Infra.Tests;

/// <summary>SFN-LAMBDA-THROTTLING, SFN-ECS-TIMEOUT and ARN-PARTITION over final templates, each refused when broken.</summary>
public sealed class StateMachineRuleTests
{
    private static readonly DateOnly Today = new(2026, 11, 29);

    private const string LambdaResource = "arn:REF:states:::lambda:invoke";
    private const string EcsResource = "arn:REF:states:::ecs:runTask.sync";
    private const string Throttling = """[{"ErrorEquals":["Lambda.ServiceException","Lambda.TooManyRequestsException"],"IntervalSeconds":2,"MaxAttempts":6,"BackoffRate":2,"JitterStrategy":"FULL"}]""";

    /// <summary>A template with one state machine, its definition an Fn::Join around the partition as CDK writes it.</summary>
    private static JsonObject Template(JsonObject states)
    {
        var definition = new JsonObject { ["StartAt"] = states.First().Key, ["States"] = states }.ToJsonString();
        var parts = definition.Split("arn:REF:");
        var join = new JsonArray();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                join.Add(JsonNode.Parse("""{"Ref":"AWS::Partition"}"""));
                join.Add(":" + parts[i]);
                continue;
            }
            join.Add(parts[i] + "arn:");
        }
        var machine = new JsonObject
        {
            ["Type"] = "AWS::StepFunctions::StateMachine",
            ["Properties"] = new JsonObject { ["DefinitionString"] = new JsonObject { ["Fn::Join"] = new JsonArray("", join) } },
        };
        return new JsonObject { ["Resources"] = new JsonObject { ["Machine"] = machine } };
    }

    private static JsonObject Task(string resource, string? retry = null, int? timeout = null)
    {
        var state = new JsonObject { ["Type"] = "Task", ["Resource"] = resource, ["End"] = true };
        if (retry is not null)
        {
            state["Retry"] = JsonNode.Parse(retry);
        }
        if (timeout is not null)
        {
            state["TimeoutSeconds"] = timeout;
        }
        return state;
    }

    [Fact]
    public void LambdaTask_ThatDoesNotRetryThrottling_IsRefused_NamingTheState()
    {
        var template = Template(new JsonObject
        {
            ["Plan"] = Task(LambdaResource, Throttling),
            ["Notify"] = Task(LambdaResource, """[{"ErrorEquals":["Lambda.ServiceException","Lambda.AWSLambdaException","Lambda.SdkClientException"],"MaxAttempts":6}]"""),
            ["Bare"] = Task(LambdaResource),
            ["NoAttempts"] = Task(LambdaResource, """[{"ErrorEquals":["Lambda.TooManyRequestsException"],"MaxAttempts":0}]"""),
        });

        var errors = TemplateChecks.Check(template, Today);

        Assert.Equal(3, errors.Count);
        Assert.Contains("Machine: [SFN-LAMBDA-THROTTLING] the Lambda task state Notify does not retry Lambda.TooManyRequestsException: a throttled invoke would fail the run", errors);
        Assert.Contains(errors, e => e.Contains("state Bare does not retry", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("state NoAttempts does not retry", StringComparison.Ordinal));
    }

    [Fact]
    public void LambdaTask_InsideAParallelBranch_OrInvokedByFunctionArn_IsCheckedToo()
    {
        var branch = new JsonObject { ["StartAt"] = "Inner", ["States"] = new JsonObject { ["Inner"] = Task(LambdaResource) } };
        var template = Template(new JsonObject
        {
            ["Fanout"] = new JsonObject { ["Type"] = "Parallel", ["Branches"] = new JsonArray(branch), ["Next"] = "Direct" },
            ["Direct"] = Task("arn:REF:lambda:us-east-1:123456789012:function:homebrew-sync-worker"),
        });

        var errors = TemplateChecks.Check(template, Today);

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains("state Inner does not retry", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("state Direct does not retry", StringComparison.Ordinal));
    }

    [Fact]
    public void LambdaTask_NamingAFunctionOfTheTemplate_AsCdkWritesAPayloadResponseOnlyInvoke_IsChecked()
    {
        var template = JsonNode.Parse("""
            {
              "Resources": {
                "Worker": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "dotnet10", "Handler": "x"}},
                "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"DefinitionString": {"Fn::Join": ["", [
                  "{\"StartAt\":\"Transfer\",\"States\":{\"Transfer\":{\"Type\":\"Task\",\"Resource\":\"",
                  {"Fn::GetAtt": ["Worker", "Arn"]},
                  "\",\"End\":true}}}"
                ]]}}}
              }
            }
            """)!.AsObject();

        Assert.Equal("Machine: [SFN-LAMBDA-THROTTLING] the Lambda task state Transfer does not retry Lambda.TooManyRequestsException: a throttled invoke would fail the run", Assert.Single(TemplateChecks.Check(template, Today)));
        Assert.Equal("arn:REF:lambda:REF:REF:function:Worker", TemplateChecks.ReadDefinition(template, template["Resources"]!["Machine"]!["Properties"]!["DefinitionString"])!["States"]!["Transfer"]!["Resource"]!.GetValue<string>());
    }

    [Fact]
    public void EcsRunTask_WithoutATimeout_IsRefused_AndOneWithTimeoutSecondsOrItsPath_Passes()
    {
        var pathTimeout = Task(EcsResource);
        pathTimeout["TimeoutSecondsPath"] = "$.timeout";
        var template = Template(new JsonObject
        {
            ["Hung"] = Task(EcsResource),
            ["Bounded"] = Task(EcsResource, timeout: 18000),
            ["FromInput"] = pathTimeout,
            ["OtherService"] = Task("arn:REF:states:::sns:publish"),
        });

        var error = Assert.Single(TemplateChecks.Check(template, Today));

        Assert.Equal("Machine: [SFN-ECS-TIMEOUT] the ECS task state Hung has no TimeoutSeconds: a hung task would run until the execution times out", error);
    }

    [Fact]
    public void DefinitionThatCannotBeRead_IsRefused()
    {
        var template = new JsonObject
        {
            ["Resources"] = new JsonObject
            {
                ["Machine"] = new JsonObject { ["Type"] = "AWS::StepFunctions::StateMachine", ["Properties"] = new JsonObject { ["DefinitionS3Location"] = new JsonObject { ["Bucket"] = "b", ["Key"] = "k" } } },
            },
        };

        Assert.StartsWith("Machine: [SFN-LAMBDA-THROTTLING] the state machine's definition cannot be read", Assert.Single(TemplateChecks.Check(template, Today)), StringComparison.Ordinal);
    }

    [Fact]
    public void LiteralAwsPartition_AnywhereInTheTemplate_IsRefused_NamingTheResourceOrSection()
    {
        var template = JsonNode.Parse("""
            {
              "Resources": {
                "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter",
                  "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/aws/reference/secretsmanager/x"}]}}},
                "Joined": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":role/x"]]}]}},
                "Aware": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::123456789012:role/x"]]}]}},
                "China": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": ["arn:aws-cn:iam::123456789012:role/x", "arn:aws-us-gov:iam::123456789012:role/x"]}}
              },
              "Outputs": {"Key": {"Value": "arn:aws:kms:us-east-1:123456789012:key/abc"}}
            }
            """)!.AsObject();

        var errors = TemplateChecks.Check(template, Today);

        Assert.Equal(3, errors.Count);
        Assert.Contains("Policy: [ARN-PARTITION] an ARN names the partition literally (arn:aws:); build it with Stack.FormatArn or Aws.PARTITION so the stack deploys in aws-cn and aws-us-gov too", errors);
        Assert.Contains(errors, e => e.StartsWith("Joined: [ARN-PARTITION]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Outputs: [ARN-PARTITION]", StringComparison.Ordinal));
    }

    [Fact]
    public void StateMachine_ThatRetriesThrottlingAndBoundsItsTask_WithPartitionAwareArns_Passes()
    {
        var template = Template(new JsonObject
        {
            ["Plan"] = Task(LambdaResource, Throttling),
            ["Run"] = Task(EcsResource, timeout: 600),
        });

        Assert.Empty(TemplateChecks.Check(template, Today));
        Assert.DoesNotContain("arn:aws:", template.ToJsonString(), StringComparison.Ordinal);
    }
}
