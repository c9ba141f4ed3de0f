namespace HomebrewSync.Core.Notifications;

/// <summary>
/// Slack's Block Kit limits; <see cref="Apply"/> trims a message to fit them, so however long a run's
/// lists get, Slack never rejects the message.
/// </summary>
public static class SlackLimits
{
    public const int MaxBlocks = 50;
    public const int MaxHeaderText = 150;
    public const int MaxSectionText = 3000;
    public const int MaxFields = 10;
    public const int MaxFieldText = 2000;
    public const int MaxContextElements = 10;
    public const int MaxButtons = 25;
    public const int MaxButtonText = 75;
    public const int MaxUrl = 3000;
    public const int MaxFallbackText = 4000;

    public static SlackMessage Apply(SlackMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var blocks = message.Blocks.Take(MaxBlocks).Select(b => b switch
        {
            HeaderBlock h => new HeaderBlock(Cut(h.Text, MaxHeaderText)),
            FieldsBlock f => new FieldsBlock(f.Fields.Take(MaxFields).Select(x => Cut(x, MaxFieldText)).ToArray()),
            TextBlock t => new TextBlock(CutKeepingCodeFence(t.Text, MaxSectionText)),
            ContextBlock c => new ContextBlock(c.Elements.Take(MaxContextElements).Select(x => Cut(x, MaxSectionText)).ToArray()),
            ActionsBlock a => new ActionsBlock(a.Buttons.Where(x => x.Url.Length <= MaxUrl).Take(MaxButtons).Select(x => x with { Text = Cut(x.Text, MaxButtonText) }).ToArray()),
            _ => b,
        }).Where(b => b is not ActionsBlock { Buttons.Count: 0 }).ToArray();
        return new SlackMessage(Cut(message.Text, MaxFallbackText), blocks);
    }

    public static string Cut(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= max ? text : text[..(max - 1)] + "…";
    }

    /// <summary>Trims a text that ends in a code block without leaving the fence open.</summary>
    private static string CutKeepingCodeFence(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }
        const string fence = "\n…\n```";
        return text.EndsWith("```", StringComparison.Ordinal) ? text[..(max - fence.Length)] + fence : Cut(text, max);
    }
}
