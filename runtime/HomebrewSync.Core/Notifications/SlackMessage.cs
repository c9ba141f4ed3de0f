namespace HomebrewSync.Core.Notifications;

/// <summary>A Block Kit message: the fallback <see cref="Text"/> and its blocks.</summary>
public sealed record SlackMessage(string Text, IReadOnlyList<SlackBlock> Blocks);

public abstract record SlackBlock;

/// <summary><c>{"type":"header","text":{"type":"plain_text",...}}</c></summary>
public sealed record HeaderBlock(string Text) : SlackBlock;

/// <summary>A section of mrkdwn fields (shown two to a row).</summary>
public sealed record FieldsBlock(IReadOnlyList<string> Fields) : SlackBlock;

/// <summary>A section with one mrkdwn text.</summary>
public sealed record TextBlock(string Text) : SlackBlock;

/// <summary>A context block of mrkdwn elements.</summary>
public sealed record ContextBlock(IReadOnlyList<string> Elements) : SlackBlock;

public sealed record ActionsBlock(IReadOnlyList<SlackButton> Buttons) : SlackBlock;

public sealed record SlackButton(string Text, string Url);
