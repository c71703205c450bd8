/**
 * The IAM documents of the fleet, as plain JSON-ready objects: what each principal may do and
 * nothing more. Pure, so the tests read them as they are sent.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: string | string[];
  Principal?: { Service: string } | { AWS: string };
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Who may assume a role: one AWS service. */
export function serviceAssumeRolePolicy(service: "ec2.amazonaws.com" | "chatbot.amazonaws.com"): PolicyDocument {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] };
}

/**
 * Read exactly these SecureString parameters, by ARN, and nothing else. No kms:Decrypt: they
 * are encrypted with the AWS managed key aws/ssm, whose key policy lets every principal of the
 * account decrypt through Parameter Store (SSM guide, "Restricting decryption of SecureString
 * parameter values"), so these ssm: actions on these ARNs are the whole permission.
 */
export function readParametersPolicy(parameterArns: readonly string[]): PolicyDocument {
  if (parameterArns.length === 0) throw new Error("readParametersPolicy: no parameter to read");
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "ReadTheApiSecrets", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"], Resource: [...parameterArns].sort() }],
  };
}

/**
 * Shell access through Session Manager and nothing else (the managed policy
 * AWSCloud9SSMInstanceProfile holds exactly these). AmazonSSMManagedInstanceCore, the usual
 * choice, also grants ssm:GetParameter(s) on every parameter of the account, which would let an
 * instance read every SecureString under the aws/ssm key, other stacks' too.
 */
export function sessionManagerPolicy(): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "SessionManagerOnly",
        Effect: "Allow",
        Action: ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
        Resource: "*",
      },
    ],
  };
}

/** The Slack channel's role: read CloudWatch, so Chatbot can render the alarms it posts (its "Notification permissions"). */
export function chatbotNotificationsPolicy(): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "RenderAlarms", Effect: "Allow", Action: ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"], Resource: "*" }],
  };
}

/**
 * What anyone in the Slack channel may do through Chatbot, whatever the channel role allows:
 * AWS applies AdministratorAccess as the guardrail when none is given.
 */
export const CHATBOT_GUARDRAIL_POLICY = "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess";
