using System.Net.Http.Headers;
using System.Text;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Notifications;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace HomebrewSync.Adapters.Slack;

/// <summary>
/// Posts messages to a Slack incoming webhook. 429 (honouring Retry-After) and 5xx are retried with
/// backoff, the whole delivery is bounded (SLACK_MAX_WAIT_SECONDS, default <see cref="MaxWait"/>), and a failure is reported through
/// <c>warn</c> and swallowed: Slack being down never fails or stalls a sync. The webhook URL is a
/// credential and appears in no message.
/// </summary>
public sealed class SlackWebhookNotifier : INotifier
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);
    private readonly HttpClient _http;
    private readonly SecretUrl _webhook;
    private readonly string? _channel;
    private readonly string? _username;
    private readonly Action<string> _warn;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _maxWait;

    public SlackWebhookNotifier(HttpClient http, SecretUrl webhook, string? channel, string? username, TimeProvider time, Action<string> warn, TimeSpan? maxWait = null)
    {
        _time = time;
        _maxWait = maxWait;
        _http = http;
        _webhook = webhook;
        _channel = channel;
        _username = username;
        _warn = warn;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(maxWait ?? MaxWait)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<SlackRetryableException>().Handle<TimeoutRejectedException>(),
                MaxRetryAttempts = 3,
                Delay = TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                // Slack's Retry-After, within the delivery's bound: a larger one (a hostile or broken answer asking for weeks)
                // would be past what a wait can be given, and the bound ends the delivery first anyway.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is SlackRetryableException { RetryAfter: { } after }
                    ? (TimeSpan?)(after > (maxWait ?? MaxWait) ? maxWait ?? MaxWait : after < TimeSpan.Zero ? TimeSpan.Zero : after)
                    : null),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }

    /// <summary>The first kilobyte of a body, as text: enough for Slack's reason, and all of anything else that is read.</summary>
    private static async Task<string> StartOfAsync(HttpContent content, CancellationToken cancellationToken)
    {
        try
        {
            await using var body = await content.ReadAsStreamAsync(cancellationToken);
            var start = new byte[1024];
            var read = await body.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken);
            return Encoding.UTF8.GetString(start, 0, read);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            // Cut off mid-reason: the status still says what happened, and a Slack failure never ends a sync.
            return "(its reason could not be read)";
        }
    }

    public INotifier WithChannel(string channel) => new SlackWebhookNotifier(_http, _webhook, channel, _username, _time, _warn, _maxWait);

    public async Task NotifyAsync(SlackMessage message, CancellationToken cancellationToken)
    {
        var payload = SlackJson.Serialize(SlackLimits.Apply(message), _channel, _username);
        try
        {
            await _pipeline.ExecuteAsync(async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _webhook.Value) { Content = new ByteArrayContent(payload) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                HttpResponseMessage response;
                try
                {
                    // Headers only: Slack's answer is "ok" or a short reason, and whatever else answers is never buffered whole.
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                }
                catch (HttpRequestException ex)
                {
                    throw new SlackRetryableException($"cannot reach {_webhook.Value.Authority}: {ex.HttpRequestError}", null, ex);
                }
                using (response)
                {
                    var status = (int)response.StatusCode;
                    if (status is 429 or >= 500)
                    {
                        throw new SlackRetryableException($"HTTP {status}", response.Headers.RetryAfter?.Delta);
                    }
                    if (status >= 300)
                    {
                        // Slack says why in the body (invalid_blocks, no_service, ...). What else answers may repeat the
                        // request's path ("Cannot POST /services/..."), which is the secret: that is taken out.
                        var reason = SlackLimits.Cut(Hide(await StartOfAsync(response.Content, ct)), 200);
                        throw new InvalidOperationException($"HTTP {status} {reason}");
                    }
                }
            }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is being stopped; the message no longer matters.
        }
        catch (Exception ex) when (ex is SlackRetryableException or TimeoutRejectedException or InvalidOperationException)
        {
            _warn($"Slack notification \"{message.Text}\" not delivered to {_webhook}: {ex.Message}");
        }
#pragma warning disable CA1031 // Whatever else goes wrong delivering a message is a warning too: Slack never fails a sync.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            _warn($"Slack notification \"{message.Text}\" not delivered to {_webhook}: {ex.GetType().Name}");
        }
    }

    /// <summary>Text with the webhook's path, and each part of it long enough to be a secret, as they are or escaped, replaced.</summary>
    private string Hide(string text)
    {
        var path = _webhook.Value.AbsolutePath;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p.Length >= 8).Prepend(path.Trim('/'));
        foreach (var part in parts.Where(p => p.Length > 0))
        {
            foreach (var form in new[] { part, Uri.UnescapeDataString(part), Uri.EscapeDataString(part) }.Distinct())
            {
                text = text.Replace(form, "***", StringComparison.Ordinal);
            }
        }
        return text;
    }
}
