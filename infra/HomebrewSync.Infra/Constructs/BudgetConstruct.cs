using Amazon.CDK.AWS.Budgets;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SNS;
using Constructs;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra.Constructs;

public sealed class BudgetProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    /// <summary>Where the budget's alerts go (the stack's alerts topic).</summary>
    public required ITopic Alerts { get; init; }
}

/// <summary>
/// A monthly cost budget for this stack alone (cost allocation tag <c>Stack</c>, which every resource carries),
/// alerting the alerts topic at 80% actual and 100% forecast spend.
/// </summary>
public sealed class BudgetConstruct : Construct
{
    public const string StackTag = "Stack";

    public BudgetConstruct(Construct scope, string id, BudgetProps props)
        : base(scope, id)
    {
        var subscribers = new object[] { new CfnBudget.SubscriberProperty { Address = props.Alerts.TopicArn, SubscriptionType = "SNS" } };
        Budget = new CfnBudget(this, "Monthly", new CfnBudgetProps
        {
            Budget = new CfnBudget.BudgetDataProperty
            {
                BudgetName = props.Names.Budget,
                BudgetType = "COST",
                TimeUnit = "MONTHLY",
                BudgetLimit = new CfnBudget.SpendProperty { Amount = props.Config.MonthlyBudgetLimit, Unit = "USD" },
                // Only this stack's resources: the tag must be activated once as a cost allocation tag (README).
                CostFilters = new Dictionary<string, object> { ["TagKeyValue"] = new[] { $"user:{StackTag}${props.Names.StackName}" } },
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
        // AWS Budgets publishes to the topic.
        props.Alerts.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["sns:Publish"],
            Principals = [new ServicePrincipal("budgets.amazonaws.com")],
            Resources = [props.Alerts.TopicArn],
        }));
    }

    public CfnBudget Budget { get; }
}
