using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using HomebrewSync.Core.Notifications;

namespace HomebrewSync.Aws;

/// <summary>
/// Reads a Secrets Manager secret through SSM Parameter Store's reference path
/// (<c>/aws/reference/secretsmanager/&lt;name&gt;</c>), since the Secrets Manager SDK package is not available.
/// A secret stored as JSON with a <c>url</c> or <c>webhook_url</c> field gives that field.
/// </summary>
public sealed class SsmSecretReader : ISecretReader
{
    public const string ReferencePrefix = "/aws/reference/secretsmanager/";
    private readonly IAmazonSimpleSystemsManagement _ssm;

    public SsmSecretReader(IAmazonSimpleSystemsManagement ssm)
    {
        _ssm = ssm;
    }

    public async Task<string> ReadAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        GetParameterResponse response;
        try
        {
            response = await _ssm.GetParameterAsync(new GetParameterRequest { Name = ReferencePrefix + name, WithDecryption = true }, cancellationToken);
        }
        catch (AmazonServiceException ex)
        {
            throw new SecretUnavailableException($"The secret '{name}' cannot be read: {ex.ErrorCode ?? ex.StatusCode.ToString()}", ex);
        }
        catch (AmazonClientException ex)
        {
            throw new SecretUnavailableException($"The secret '{name}' cannot be read: {ex.GetType().Name}", ex);
        }
        var value = response.Parameter?.Value?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            throw new SecretUnavailableException($"The secret '{name}' is empty");
        }
        if (value.StartsWith('{'))
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(value);
                foreach (var field in new[] { "url", "webhook_url", "slack_webhook_url" })
                {
                    if (doc.RootElement.TryGetProperty(field, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String)
                    {
                        return v.GetString()!;
                    }
                }
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new SecretUnavailableException($"The secret '{name}' looks like JSON but does not parse", ex);
            }
            throw new SecretUnavailableException($"The secret '{name}' is JSON without a url or webhook_url field");
        }
        return value;
    }

    public static AmazonSimpleSystemsManagementClient CreateClient(Uri? endpoint, string? region)
    {
        var config = new AmazonSimpleSystemsManagementConfig { RetryMode = RequestRetryMode.Standard };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.AbsoluteUri;
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else if (!string.IsNullOrEmpty(region))
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        }
        return new AmazonSimpleSystemsManagementClient(config);
    }
}
