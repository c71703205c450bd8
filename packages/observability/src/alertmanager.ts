import { stringify } from "yaml";
import { InvalidArgumentError } from "@trafficlab/validation";
import { OBSERVABILITY } from "./settings";

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * The Alertmanager configuration: every alert to the stack's SNS topic, where its CloudWatch
 * alarms go too. The publish is signed (SigV4) with the caller's credentials: AMP's own in the
 * fleet (the topic policy admits aps.amazonaws.com for that workspace), the instance role on a
 * single host (which may publish to this topic only).
 */
export function renderAlertmanagerConfig(topicArn: string, region: string): string {
  if (typeof topicArn !== "string" || !TOPIC_ARN.test(topicArn)) throw new InvalidArgumentError(OBSERVABILITY, "topicArn", topicArn, "Allowed: an SNS topic ARN, e.g. arn:aws:sns:ap-northeast-2:123456789012:dev-api-alarms.");
  if (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new InvalidArgumentError(OBSERVABILITY, "region", region, "Allowed: an AWS Region code such as ap-northeast-2.");
  return stringify(
    {
      route: { receiver: "sns", group_by: ["alertname", "stack"], group_wait: "30s", group_interval: "5m", repeat_interval: "4h" },
      receivers: [
        {
          name: "sns",
          sns_configs: [
            {
              topic_arn: topicArn,
              sigv4: { region },
              subject: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.stack }})",
              send_resolved: true,
            },
          ],
        },
      ],
    },
    { lineWidth: 0 },
  );
}
