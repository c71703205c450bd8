import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { transformed, type ChildTransform } from "@trafficlab/validation";

export interface HttpsListenerArgs {
  domain: string;
  hostedZoneId: pulumi.Input<string>;
  loadBalancer: aws.lb.LoadBalancer;
  targetGroup: aws.lb.TargetGroup;
  sslPolicy: string;
  tags: Record<string, string>;
  transform: { certificate?: ChildTransform<aws.acm.CertificateArgs>; listener?: ChildTransform<aws.lb.ListenerArgs> };
}

export interface HttpsListener {
  certificate: aws.acm.Certificate;
  validationRecord: aws.route53.Record;
  validation: aws.acm.CertificateValidation;
  listener: aws.lb.Listener;
  aliasRecord: aws.route53.Record;
}

/**
 * HTTPS on the load balancer for one domain: a public ACM certificate (free) validated by a DNS
 * record in the zone, the 443 listener with an explicit TLS policy (unset, AWS picks
 * ELBSecurityPolicy-2016-08, which still speaks TLS 1.0), and the domain's alias to the load
 * balancer. Every resource is created outside apply(), so a preview shows them all.
 */
export function createHttpsListener(name: string, args: HttpsListenerArgs, parent: pulumi.Resource): HttpsListener {
  const child = { parent };
  // A new domain is a new certificate (create-before-delete): validated and attached before the old one goes.
  const certificate = new aws.acm.Certificate(
    `${name}-certificate`,
    ...transformed(args.transform.certificate, { domainName: args.domain, validationMethod: "DNS", tags: { ...args.tags, Name: `${name}-certificate` } }, child),
  );
  // The options are a set, in no stable order: look the domain's up by name, never by index.
  const option = certificate.domainValidationOptions.apply((options) => {
    const found = options.find((o) => o.domainName === args.domain);
    if (!found) throw new Error(`ACM returned no DNS validation record for ${args.domain}`);
    return found;
  });
  const validationRecord = new aws.route53.Record(
    `${name}-certificate-validation`,
    {
      zoneId: args.hostedZoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 60,
      // ACM gives a domain the same record every time it is requested in the account: a second
      // certificate (a replacement, another stack) upserts it instead of failing on it. Kept
      // after issuance: ACM renews through it.
      allowOverwrite: true,
    },
    child,
  );
  const validation = new aws.acm.CertificateValidation(`${name}-certificate-issued`, { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] }, child);
  const listener = new aws.lb.Listener(
    `${name}-https`,
    ...transformed(
      args.transform.listener,
      {
        loadBalancerArn: args.loadBalancer.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: args.sslPolicy,
        // The validation's ARN, not the certificate's: the listener waits until ACM has issued it.
        certificateArn: validation.certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: args.targetGroup.arn }],
        tags: { ...args.tags, Name: `${name}-https` },
      },
      child,
    ),
  );
  const aliasRecord = new aws.route53.Record(
    `${name}-alias`,
    {
      zoneId: args.hostedZoneId,
      name: args.domain,
      type: "A",
      aliases: [{ name: args.loadBalancer.dnsName, zoneId: args.loadBalancer.zoneId, evaluateTargetHealth: true }],
      // Takes the name over from a record made by hand (e.g. the single host's address), in one UPSERT.
      allowOverwrite: true,
    },
    child,
  );
  return { certificate, validationRecord, validation, listener, aliasRecord };
}
