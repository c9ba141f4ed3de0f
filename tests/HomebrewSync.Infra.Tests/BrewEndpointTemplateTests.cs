using System.Text.Json.Nodes;

namespace HomebrewSync.Infra.Tests;

/// <summary>The deployed brew endpoint (brew_endpoint in config): on in prod, off by default in a per-developer stack.</summary>
public sealed class BrewEndpointTemplateTests(ProdStack prod, AliceStack alice) : IClassFixture<ProdStack>, IClassFixture<AliceStack>
{
    private static string FunctionId(Synthesized stage) =>
        stage.ResourcesById("AWS::Lambda::Function").Single(f => f.Value["Properties"]!["FunctionName"]?.GetValue<string>() == stage.Names.BrewEndpointFunction).Key;

    private static string? GetAtt(JsonNode? value, string attribute) =>
        value?["Fn::GetAtt"] is JsonArray a && a[1]!.GetValue<string>() == attribute ? a[0]!.GetValue<string>() : null;

    [Fact]
    public void Prod_HasAPublicBufferedFunctionUrl_OnTheEndpointFunction_AndItsUrlAsAnOutput()
    {
        Assert.True(prod.Config.BrewEndpoint.Enabled);
        var function = FunctionId(prod);

        var (urlId, url) = Assert.Single(prod.ResourcesById("AWS::Lambda::Url"));
        var p = url["Properties"]!;
        // brew cannot sign requests: no IAM auth; the function checks brew_endpoint.allowed_cidrs itself.
        Assert.Equal(("NONE", "BUFFERED"), (p["AuthType"]!.GetValue<string>(), p["InvokeMode"]!.GetValue<string>()));
        Assert.Equal(function, GetAtt(p["TargetFunctionArn"], "Arn"));
        // A public URL needs both permissions: InvokeFunctionUrl, and since October 2025 InvokeFunction through the URL.
        var permissions = prod.Resources("AWS::Lambda::Permission").Select(r => r["Properties"]!).Where(r => GetAtt(r["FunctionName"], "Arn") == function).ToArray();
        Assert.Contains(permissions, r => r["Action"]!.GetValue<string>() == "lambda:InvokeFunctionUrl" && r["FunctionUrlAuthType"]?.GetValue<string>() == "NONE" && r["Principal"]!.GetValue<string>() == "*");
        Assert.Contains(permissions, r => r["Action"]!.GetValue<string>() == "lambda:InvokeFunction" && r["InvokedViaFunctionUrl"]?.GetValue<bool>() == true && r["Principal"]!.GetValue<string>() == "*");

        var output = prod.Json["Outputs"]!["BrewEndpointUrl"]!;
        Assert.Equal(urlId, GetAtt(output["Value"], "FunctionUrl"));
        Assert.Contains("HOMEBREW_ARTIFACT_DOMAIN", output["Description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Prod_WithAuth_HasATokenSecretWithNoValueInTheTemplate_ReadOnlyToTheEndpoint_NamedInItsEnvironment()
    {
        Assert.True(prod.Config.BrewEndpoint.Auth);
        var (secretId, secret) = prod.ResourcesById("AWS::SecretsManager::Secret").Single(s => s.Value["Properties"]!["Name"]!.GetValue<string>() == prod.Names.BrewTokenSecret);
        var p = secret["Properties"]!;
        // Generated once by CloudFormation (not a token list: nothing is let in until an operator puts one); no literal a later deploy could write back.
        Assert.Null(p["SecretString"]);
        Assert.NotNull(p["GenerateSecretString"]);
        Assert.Null(p["GenerateSecretString"]!["SecretStringTemplate"]);

        var function = prod.ResourcesById("AWS::Lambda::Function")[FunctionId(prod)];
        Assert.Equal(prod.Names.BrewTokenSecret, function["Properties"]!["Environment"]!["Variables"]![HomebrewSync.Contracts.EnvVars.ServeTokenSecretName]!.GetValue<string>());
        var role = GetAtt(function["Properties"]!["Role"], "Arn")!;
        var statements = prod.Resources("AWS::IAM::Policy").Where(x => x["Properties"]!["Roles"]!.AsArray().Any(r => r!["Ref"]?.GetValue<string>() == role))
            .SelectMany(x => x["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()).ToArray();
        var onSecret = statements.Where(s => s!["Resource"]!.ToJsonString() == $$$"""{"Ref":"{{{secretId}}}"}""").SelectMany(s => s!["Action"]!.AsArray().Select(a => a!.GetValue<string>())).Order(StringComparer.Ordinal);
        Assert.Equal(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], onSecret);
        Assert.Contains(statements, s => s!["Action"]!.ToJsonString() == "\"ssm:GetParameter\"" && s["Resource"]!.ToJsonString().Contains($"parameter/aws/reference/secretsmanager/{prod.Names.BrewTokenSecret}\"", StringComparison.Ordinal));
        // Nothing on any secret is writable by the endpoint.
        Assert.DoesNotContain(statements.SelectMany(s => s!["Action"] is JsonArray a ? a.Select(x => x!.GetValue<string>()) : [s!["Action"]!.GetValue<string>()]),
            a => a.StartsWith("secretsmanager:Put", StringComparison.Ordinal) || a.StartsWith("secretsmanager:Update", StringComparison.Ordinal));
        Assert.Equal(prod.Names.BrewTokenSecret, prod.Json["Outputs"]!["BrewTokenSecretName"]!["Value"]!.GetValue<string>());
    }

    [Fact]
    public void EndpointRole_MayOnlyReadTheBucket_WhileTheSyncRolesMayWrite()
    {
        var bucket = Assert.Single(prod.ResourcesById("AWS::S3::Bucket")).Key;
        var function = prod.ResourcesById("AWS::Lambda::Function")[FunctionId(prod)];
        var role = GetAtt(function["Properties"]!["Role"], "Arn")!;

        var endpoint = BucketActions(prod, role, bucket);
        Assert.Equal(["s3:GetBucket*", "s3:GetObject*", "s3:List*"], endpoint.Order(StringComparer.Ordinal));
        Assert.All(endpoint, a => Assert.Matches("^s3:(Get|List)", a));
        var managed = prod.ResourcesById("AWS::IAM::Role")[role]["Properties"]!["ManagedPolicyArns"]!.ToJsonString();
        Assert.Contains("AWSLambdaBasicExecutionRole", managed, StringComparison.Ordinal);
        Assert.Single(prod.ResourcesById("AWS::IAM::Role")[role]["Properties"]!["ManagedPolicyArns"]!.AsArray());

        // The same reading of the policies sees the writes of the roles that sync: the check above can fail.
        var worker = prod.Resources("AWS::Lambda::Function").Single(f => f["Properties"]!["FunctionName"]!.GetValue<string>() == prod.Names.WorkerFunction);
        Assert.Contains(BucketActions(prod, GetAtt(worker["Properties"]!["Role"], "Arn")!, bucket), a => a.StartsWith("s3:PutObject", StringComparison.Ordinal));
    }

    /// <summary>Every action any policy attached to the role allows on the bucket or its objects (or on every resource).</summary>
    private static string[] BucketActions(Synthesized stage, string role, string bucket)
    {
        var actions = new List<string>();
        foreach (var policy in stage.Resources("AWS::IAM::Policy").Where(p => p["Properties"]!["Roles"]!.AsArray().Any(r => r!["Ref"]?.GetValue<string>() == role)))
        {
            foreach (var statement in policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            {
                var resources = statement!["Resource"]!.ToJsonString();
                if (statement["Effect"]!.GetValue<string>() != "Allow" || !(resources.Contains($"\"{bucket}\"", StringComparison.Ordinal) || resources == "\"*\""))
                {
                    continue;
                }
                var action = statement["Action"]!;
                actions.AddRange(action is JsonArray list ? list.Select(a => a!.GetValue<string>()) : [action.GetValue<string>()]);
            }
        }
        return actions.Where(a => a.StartsWith("s3:", StringComparison.Ordinal) || a == "*").Distinct().ToArray();
    }

    [Fact]
    public void Endpoint5xxRate_IsAlarmed_FromTheFunctionUrlMetrics_ToTheAlertsTopic()
    {
        var function = FunctionId(prod);
        var alarm = prod.ResourcesById("AWS::CloudWatch::Alarm").Single(a => a.Value["Properties"]!["Metrics"]?.ToJsonString().Contains("Url5xxCount", StringComparison.Ordinal) == true).Value["Properties"]!;

        var metrics = alarm["Metrics"]!.AsArray().ToDictionary(m => m!["Id"]!.GetValue<string>(), m => m!);
        var expression = Assert.Single(metrics.Values, m => m["Expression"] is not null);
        Assert.Equal("100 * part / MAX([part, all])", expression["Expression"]!.GetValue<string>());
        foreach (var (id, name) in new[] { ("part", "Url5xxCount"), ("all", "UrlRequestCount") })
        {
            var stat = metrics[id]["MetricStat"]!;
            Assert.Equal(("AWS/Lambda", name, "Sum", 300), (stat["Metric"]!["Namespace"]!.GetValue<string>(), stat["Metric"]!["MetricName"]!.GetValue<string>(), stat["Stat"]!.GetValue<string>(), stat["Period"]!.GetValue<int>()));
            Assert.Equal($$$"""[{"Name":"FunctionName","Value":{"Ref":"{{{function}}}"}}]""", stat["Metric"]!["Dimensions"]!.ToJsonString());
        }
        Assert.Equal((5d, "GreaterThanThreshold", 2, "notBreaching"), (alarm["Threshold"]!.GetValue<double>(), alarm["ComparisonOperator"]!.GetValue<string>(), alarm["EvaluationPeriods"]!.GetValue<int>(), alarm["TreatMissingData"]!.GetValue<string>()));
        var topic = Assert.Single(prod.ResourcesById("AWS::SNS::Topic")).Key;
        Assert.Equal($$$"""[{"Ref":"{{{topic}}}"}]""", alarm["AlarmActions"]!.ToJsonString());
    }

    [Fact]
    public void PerDeveloperStack_HasNoEndpoint_ByDefault()
    {
        Assert.False(alice.Config.BrewEndpoint.Enabled);
        Assert.DoesNotContain(alice.Resources("AWS::Lambda::Function"), f => f["Properties"]!["FunctionName"]?.GetValue<string>() == alice.Names.BrewEndpointFunction);
        Assert.Empty(alice.Resources("AWS::Lambda::Url"));
        Assert.Null(alice.Json["Outputs"]!["BrewEndpointUrl"]);
        Assert.DoesNotContain("Url5xxCount", alice.Json["Resources"]!.ToJsonString(), StringComparison.Ordinal);
    }
}
