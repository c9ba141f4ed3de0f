using System.Text.Json.Nodes;
using HomebrewSync.Contracts;
using HomebrewSync.Infra.Policies;

namespace HomebrewSync.Infra.Tests;

/// <summary>FUNCTION-URL-OPEN over the prod template and variants of it: a public function URL must lead to a function that checks tokens or networks.</summary>
public sealed class FunctionUrlRuleTests(ProdStack prod) : IClassFixture<ProdStack>
{
    private static readonly DateOnly Today = new(2026, 11, 29);

    private JsonObject ProdWith(Action<JsonObject> change)
    {
        var template = JsonNode.Parse(prod.Synthesis.TemplateText)!.AsObject();
        var resources = template["Resources"]!.AsObject();
        var url = resources.Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::Lambda::Url").Value!;
        var function = resources[url["Properties"]!["TargetFunctionArn"]!["Fn::GetAtt"]![0]!.GetValue<string>()]!;
        Assert.Equal(prod.Names.BrewEndpointFunction, function["Properties"]!["FunctionName"]!.GetValue<string>());
        change(function["Properties"]!["Environment"]!["Variables"]!.AsObject());
        return template;
    }

    [Fact]
    public void Prod_HasAPublicUrl_WithTokens_AndPassesTheRule()
    {
        Assert.Equal("NONE", prod.Single("AWS::Lambda::Url")["Properties"]!["AuthType"]!.GetValue<string>());
        Assert.Empty(TemplateChecks.Check(JsonNode.Parse(prod.Synthesis.TemplateText)!.AsObject(), Today));
    }

    [Fact]
    public void PublicUrl_WithNeitherTokensNorNetworks_IsRefused_NamingTheRule()
    {
        var open = ProdWith(v => v.Remove(EnvVars.ServeTokenSecretName));
        var emptyNetworks = ProdWith(v =>
        {
            v.Remove(EnvVars.ServeTokenSecretName);
            v[EnvVars.ServeAllowedCidrs] = " ";
        });

        var error = Assert.Single(TemplateChecks.Check(open, Today));
        Assert.Contains($"[{PolicyRule.OpenFunctionUrl}] a public function URL (AuthType NONE)", error, StringComparison.Ordinal);
        Assert.Contains("brew_endpoint.auth", error, StringComparison.Ordinal);
        Assert.Single(TemplateChecks.Check(emptyNetworks, Today));
    }

    [Fact]
    public void PublicUrl_WithNetworksInsteadOfTokens_OrAnIamUrl_Passes()
    {
        var networks = ProdWith(v =>
        {
            v.Remove(EnvVars.ServeTokenSecretName);
            v[EnvVars.ServeAllowedCidrs] = "203.0.113.0/24";
        });
        var iam = ProdWith(v => v.Remove(EnvVars.ServeTokenSecretName));
        iam["Resources"]!.AsObject().Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::Lambda::Url").Value!["Properties"]!["AuthType"] = "AWS_IAM";

        Assert.Empty(TemplateChecks.Check(networks, Today));
        Assert.Empty(TemplateChecks.Check(iam, Today));
    }
}
