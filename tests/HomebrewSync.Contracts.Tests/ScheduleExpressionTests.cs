using HomebrewSync.Contracts;

namespace HomebrewSync.Contracts.Tests;

public sealed class ScheduleExpressionTests
{
    private static readonly DateTimeOffset Monday = new(2025, 7, 21, 3, 8, 42, TimeSpan.Zero);

    [Theory]
    [InlineData("cron(0 3 ? * SUN *)", "2025-07-27T03:00")]
    [InlineData("cron(0 3 ? * 1 *)", "2025-07-27T03:00")]
    [InlineData("cron(0 */6 * * ? *)", "2025-07-21T06:00")]
    [InlineData("cron(30 2 1 * ? *)", "2025-08-01T02:30")]
    [InlineData("cron(0 9 ? * MON-FRI *)", "2025-07-21T09:00")]
    [InlineData("cron(0 0 1 JAN ? 2026)", "2026-01-01T00:00")]
    [InlineData("rate(6 hours)", "2025-07-21T09:08")]
    public void Next_GivesTheFirstFiringAfter(string expression, string expected)
    {
        var next = ScheduleExpression.Next(expression, Monday);

        Assert.Equal(expected, next?.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("cron(0 3 L * ? *)")]
    [InlineData("cron(0 3 * *)")]
    [InlineData("at(2025-01-01T00:00:00)")]
    [InlineData("cron(0 3 ? * SUN 2020)")]
    public void Next_WhatItCannotTell_IsNull(string expression)
    {
        Assert.Null(ScheduleExpression.Next(expression, Monday));
    }
}
