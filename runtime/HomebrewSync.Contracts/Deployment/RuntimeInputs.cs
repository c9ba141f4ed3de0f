namespace HomebrewSync.Contracts.Deployment;

/// <summary>What the deployed environment needs besides the config: Homebrew's API key, the brew endpoint's URL (a deploy-time value).</summary>
public sealed record RuntimeInputs(string? ApiPublicKeyPem, string? MirrorUrl);
