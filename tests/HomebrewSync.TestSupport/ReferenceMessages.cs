namespace HomebrewSync.TestSupport;

/// <summary>The six example messages of the product reference (shared/reference/homebrew-bottles-sync-examples.md), verbatim: the specification the builders are held to.</summary>
public static class ReferenceMessages
{
    public const string Started = """
{
  "text": "🚀 Homebrew Bottles Sync Started",
  "blocks": [
    {
      "type": "header",
      "text": {
        "type": "plain_text",
        "text": "🚀 Homebrew Bottles Sync Started"
      }
    },
    {
      "type": "section",
      "fields": [
        {
          "type": "mrkdwn",
          "text": "*Environment:* prod"
        },
        {
          "type": "mrkdwn",
          "text": "*Date:* 2025-07-21"
        },
        {
          "type": "mrkdwn",
          "text": "*Estimated Bottles:* 1,247"
        },
        {
          "type": "mrkdwn",
          "text": "*Estimated Size:* 15.3 GB"
        },
        {
          "type": "mrkdwn",
          "text": "*Sync Method:* Lambda"
        },
        {
          "type": "mrkdwn",
          "text": "*Trigger:* Scheduled"
        }
      ]
    },
    {
      "type": "context",
      "elements": [
        {
          "type": "mrkdwn",
          "text": "Started at 2025-07-21 03:00:15 UTC"
        }
      ]
    }
  ]
}
""";

    public const string LargeDownload = """
{
  "text": "⚡ Large Download Detected - Routing to ECS",
  "blocks": [
    {
      "type": "header",
      "text": {
        "type": "plain_text",
        "text": "⚡ Large Download Detected"
      }
    },
    {
      "type": "section",
      "fields": [
        {
          "type": "mrkdwn",
          "text": "*Environment:* prod"
        },
        {
          "type": "mrkdwn",
          "text": "*Date:* 2025-07-21"
        },
        {
          "type": "mrkdwn",
          "text": "*Total Size:* 47.8 GB"
        },
        {
          "type": "mrkdwn",
          "text": "*Threshold:* 20 GB"
        },
        {
          "type": "mrkdwn",
          "text": "*Bottles Count:* 2,156"
        },
        {
          "type": "mrkdwn",
          "text": "*ECS Cluster:* homebrew-sync"
        }
      ]
    },
    {
      "type": "section",
      "text": {
        "type": "mrkdwn",
        "text": "Starting ECS Fargate task for large-scale download. Expected duration: 45-60 minutes."
      }
    }
  ]
}
""";

    public const string Progress = """
{
  "text": "⏳ Homebrew Sync Progress Update",
  "blocks": [
    {
      "type": "header",
      "text": {
        "type": "plain_text",
        "text": "⏳ Sync Progress Update"
      }
    },
    {
      "type": "section",
      "fields": [
        {
          "type": "mrkdwn",
          "text": "*Downloaded:* 456/2,156 bottles (21%)"
        },
        {
          "type": "mrkdwn",
          "text": "*Size Progress:* 8.3 GB / 47.8 GB"
        },
        {
          "type": "mrkdwn",
          "text": "*Duration:* 12 minutes"
        },
        {
          "type": "mrkdwn",
          "text": "*ETA:* 35 minutes"
        },
        {
          "type": "mrkdwn",
          "text": "*Speed:* 11.2 MB/s"
        },
        {
          "type": "mrkdwn",
          "text": "*Current:* downloading node@20.5.1"
        }
      ]
    },
    {
      "type": "section",
      "text": {
        "type": "mrkdwn",
        "text": "Progress bar: ████████░░░░░░░░░░░░░░░░░░░░ 21%"
      }
    }
  ]
}
""";

    public const string Complete = """
{
  "text": "✅ Homebrew Bottles Sync Complete",
  "blocks": [
    {
      "type": "header",
      "text": {
        "type": "plain_text",
        "text": "✅ Homebrew Bottles Sync Complete"
      }
    },
    {
      "type": "section",
      "fields": [
        {
          "type": "mrkdwn",
          "text": "*Environment:* prod"
        },
        {
          "type": "mrkdwn",
          "text": "*Date:* 2025-07-21"
        },
        {
          "type": "mrkdwn",
          "text": "*New Bottles:* 143"
        },
        {
          "type": "mrkdwn",
          "text": "*Skipped (Existing):* 2,013"
        },
        {
          "type": "mrkdwn",
          "text": "*Total Downloaded:* 3.2 GB"
        },
        {
          "type": "mrkdwn",
          "text": "*Duration:* 8 minutes 34 seconds"
        }
      ]
    },
    {
      "type": "section",
      "text": {
        "type": "mrkdwn",
        "text": "*S3 Location:* `s3://homebrew-bottles-prod/2025-07-21/`"
      }
    },
    {
      "type": "section",
      "text": {
        "type": "mrkdwn",
        "text": "*Top Downloaded Formulas:*\n• node@20.5.1 (arm64_sonoma, arm64_ventura, monterey)\n• python@3.11 (arm64_sonoma, arm64_ventura)\n• curl@8.2.1 (arm64_sonoma)\n• wget@1.21.4 (monterey)\n• git@2.41.0 (arm64_ventura)"
      }
    },
    {
      "type": "context",
      "elements": [
        {
          "type": "mrkdwn",
          "text": "Hash file updated successfully • Next sync: 2025-07-28 03:00 UTC"
        }
      ]
    }
  ]
}
""";

    public const string Failed = """
{
  "text": "❌ Homebrew Bottles Sync Failed",
  "blocks": [
    {
      "type": "header",
      "text": {
        "type": "plain_text",
        "text": "❌ Homebrew Bottles Sync Failed"
      }
    },
    {
      "type": "section",
      "fields": [
        {
          "type": "mrkdwn",
          "text": "*Environment:* prod"
        },
        {
          "type": "mrkdwn",
          "text": "*Date:* 2025-07-21"
        },
        {
          "type": "mrkdwn",
          "text": "*Error Type:* Network Timeout"
        },
        {
          "type": "mrkdwn",
          "text": "*Duration:* 14 minutes 23 seconds"
        },
        {
          "type": "mrkdwn",
          "text": "*Bottles Downloaded:* 89/1,247"
        },
        {
          "type": "mrkdwn",
          "text": "*Partial Size:* 1.8 GB"
        }
      ]
    },
    {
      "type": "section",
      "text": {
        "type": "mrkdwn",
        "text": "*Error Details:*\n```\nTimeout downloading curl-8.2.1.arm64_sonoma.bottle.tar.gz\nConnection timeout after 300 seconds\nRetried 3 times, all attempts failed\n```"
      }
    },
    {
      "type": "section",
      "text": {
        "type": "mrkdwn",
        "text": "*Troubleshooting:*\n• Check CloudWatch logs: `/aws/lambda/homebrew-sync-orchestrator`\n• Verify network connectivity and NAT Gateway status\n• Consider manual retry or investigate Homebrew API status"
      }
    },
    {
      "type": "actions",
      "elements": [
        {
          "type": "button",
          "text": {
            "type": "plain_text",
            "text": "View Logs"
          },
          "url": "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fhomebrew-sync-orchestrator"
        },
        {
          "type": "button",
          "text": {
            "type": "plain_text",
            "text": "Retry Sync"
          },
          "url": "https://console.aws.amazon.com/lambda/home?region=us-east-1#/functions/homebrew-sync-orchestrator"
        }
      ]
    }
  ]
}
""";

    public const string Warnings = """
{
  "text": "⚠️ Homebrew Sync Completed with Warnings",
  "blocks": [
    {
      "type": "header",
      "text": {
        "type": "plain_text",
        "text": "⚠️ Sync Completed with Warnings"
      }
    },
    {
      "type": "section",
      "fields": [
        {
          "type": "mrkdwn",
          "text": "*Environment:* prod"
        },
        {
          "type": "mrkdwn",
          "text": "*Date:* 2025-07-21"
        },
        {
          "type": "mrkdwn",
          "text": "*Successful:* 1,198/1,247 bottles"
        },
        {
          "type": "mrkdwn",
          "text": "*Failed:* 49 bottles"
        },
        {
          "type": "mrkdwn",
          "text": "*Success Rate:* 96.1%"
        },
        {
          "type": "mrkdwn",
          "text": "*Duration:* 11 minutes 45 seconds"
        }
      ]
    },
    {
      "type": "section",
      "text": {
        "type": "mrkdwn",
        "text": "*Failed Downloads:*\n• opencv@4.8.0 (arm64_sonoma) - SHA mismatch\n• tensorflow@2.13.0 (monterey) - File not found\n• llvm@16.0.6 (arm64_ventura) - Connection timeout\n• ... and 46 others"
      }
    },
    {
      "type": "section",
      "text": {
        "type": "mrkdwn",
        "text": "*Recommendation:* Review failed downloads and consider manual retry for critical packages."
      }
    }
  ]
}
""";
}
