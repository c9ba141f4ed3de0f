using Amazon.CDK.AWS.Budgets;
using Constructs;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra.Constructs;

public sealed class BudgetProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
}

/// <summary>A monthly cost budget, filtered to this stack's Project tag, that e-mails at 80% actual and 100% forecast.</summary>
public sealed class BudgetConstruct : Construct
{
    public BudgetConstruct(Construct scope, string id, BudgetProps props)
        : base(scope, id)
    {
        var subscribers = props.Config.NotificationEmailAddresses
            .Select(a => (object)new CfnBudget.SubscriberProperty { Address = a, SubscriptionType = "EMAIL" })
            .ToArray();
        Budget = new CfnBudget(this, "Monthly", new CfnBudgetProps
        {
            Budget = new CfnBudget.BudgetDataProperty
            {
                BudgetName = props.Names.Budget,
                BudgetType = "COST",
                TimeUnit = "MONTHLY",
                BudgetLimit = new CfnBudget.SpendProperty { Amount = props.Config.MonthlyBudgetLimit, Unit = "USD" },
            },
            NotificationsWithSubscribers = new object[]
            {
                new CfnBudget.NotificationWithSubscribersProperty
                {
                    Notification = new CfnBudget.NotificationProperty { NotificationType = "ACTUAL", ComparisonOperator = "GREATER_THAN", Threshold = 80, ThresholdType = "PERCENTAGE" },
                    Subscribers = subscribers,
                },
                new CfnBudget.NotificationWithSubscribersProperty
                {
                    Notification = new CfnBudget.NotificationProperty { NotificationType = "FORECASTED", ComparisonOperator = "GREATER_THAN", Threshold = 100, ThresholdType = "PERCENTAGE" },
                    Subscribers = subscribers,
                },
            },
        });
    }

    public CfnBudget Budget { get; }
}
