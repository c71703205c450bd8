import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import { AMI_PARAMETERS, API_LOG_SERVICE } from "@trafficlab/api-host";
import { componentLabel, requirePinnedImage, transformed } from "@trafficlab/validation";
import { REFRESH_ROLLBACK_ALARMS, fleetAlarmSpecs } from "./alarm-specs";
import { createAlarmNotifications, createAlarms } from "./alarms";
import { createCentralLogs } from "./log-groups";

/** The containers of an instance whose logs go to CloudWatch Logs: nginx (compose) and the API's blue/green colours (docker run). */
const FLEET_LOGGED_SERVICES = ["nginx", API_LOG_SERVICE] as const;
import { createHttpsListener } from "./https";
import { ESTIMATED_SERIES_PER_INSTANCE, createManagedPrometheus, type ManagedPrometheus } from "./managed-prometheus";
import { readParametersPolicy, serviceAssumeRolePolicy, sessionManagerPolicy } from "./iam-policies";
import { followRefreshCommand, refreshWaitScript } from "./refresh-wait";
import { SECRET_VARIABLES, createSecretParameters, type SecretKey } from "./secrets";
import { FLEET_DEFAULTS, FLEET_TYPE, resolveFleetSettings, type FleetArgs, type FleetSettings } from "./settings";
import { encodeUserData, renderCloudConfig } from "./user-data";

/** The group metrics the alarms and the README's dashboards read (1-minute, no CloudWatch charge). */
export const GROUP_METRICS: aws.autoscaling.Metric[] = ["GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances", "GroupPendingInstances", "GroupTerminatingInstances", "GroupTotalInstances"];

/** nginx listens on each instance on this port; the load balancer sends requests and health checks to it. */
export const INSTANCE_PORT = 80;

/**
 * The API on an Auto Scaling group behind an Application Load Balancer. Each instance boots
 * from cloud-init exactly as the single host is deployed (Docker, the compose project and nginx
 * config, the blue/green deploy), with its secrets read at boot from Parameter Store. A new
 * image, config or secret is a new launch template version, rolled out by an instance refresh
 * that launches each new instance before it terminates an old one and rolls back on failure.
 */
export class ApiFleet extends pulumi.ComponentResource {
  /** `https://<domain>/`, or `http://<load balancer DNS name>/` without a domain. */
  readonly url: pulumi.Output<string>;
  /** The load balancer's DNS name. */
  readonly loadBalancerDnsName: pulumi.Output<string>;
  /** The load balancer's Route 53 zone, for an alias record of your own. */
  readonly loadBalancerZoneId: pulumi.Output<string>;
  /** The instances' security group: the data tier admits it, and only it. */
  readonly instanceSecurityGroupId: pulumi.Output<string>;
  /** The load balancer's security group: 80 (and 443 with a domain) from anywhere. */
  readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
  /** The Auto Scaling group's name. */
  readonly autoScalingGroupName: pulumi.Output<string>;
  /** The launch template version the group runs (every change of it starts an instance refresh). */
  readonly launchTemplateVersion: pulumi.Output<number>;
  /** The AMP workspace's id and query endpoint (`<endpoint>api/v1/query`), with metrics on; else empty. */
  readonly metricsWorkspaceId: pulumi.Output<string>;
  readonly metricsQueryEndpoint: pulumi.Output<string>;
  /** The SNS topic the alarms notify: subscribe more endpoints to it. */
  readonly alarmTopicArn: pulumi.Output<string>;
  /** The alarms' names. */
  readonly alarmNames: string[];
  /** The Parameter Store names of the secrets (SecureString), which only the instance role may read. */
  readonly secretParameterNames: string[];
  /** How to follow the newest instance refresh (`pulumi up` starts it and returns, unless waitForRefresh). */
  readonly followRefreshCommand: pulumi.Output<string>;
  /** The arguments after checks and defaults. */
  readonly settings: FleetSettings;
  /** The child resources, for what the arguments do not cover (escape hatch). */
  readonly nodes: {
    loadBalancerSecurityGroup: aws.ec2.SecurityGroup;
    instanceSecurityGroup: aws.ec2.SecurityGroup;
    securityGroupRules: (aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule)[];
    /** The rules on the data tier's security groups that admit the instances. */
    dataTierRules: aws.vpc.SecurityGroupIngressRule[];
    parameters: aws.ssm.Parameter[];
    instanceRole: aws.iam.Role;
    instanceRolePolicies: aws.iam.RolePolicy[];
    instanceProfile: aws.iam.InstanceProfile;
    loadBalancer: aws.lb.LoadBalancer;
    targetGroup: aws.lb.TargetGroup;
    httpListener: aws.lb.Listener;
    https: ReturnType<typeof createHttpsListener> | undefined;
    launchTemplate: aws.ec2.LaunchTemplate;
    autoScalingGroup: aws.autoscaling.Group;
    scalingPolicy: aws.autoscaling.Policy | undefined;
    alarmTopic: aws.sns.Topic;
    emailSubscriptions: aws.sns.TopicSubscription[];
    slack: { role: aws.iam.Role; configuration: aws.chatbot.SlackChannelConfiguration } | undefined;
    alarms: aws.cloudwatch.MetricAlarm[];
    refreshWait: command.local.Command | undefined;
    /** The AMP workspace, its rules, its Alertmanager and the topic policy, with metrics on. */
    metrics: ManagedPrometheus | undefined;
  };

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must register nothing.
    const settings = resolveFleetSettings(name, args, pulumi.getStack());
    const component = componentLabel(FLEET_TYPE, name);
    super(FLEET_TYPE, name, {}, opts);
    this.settings = settings;
    const tags = (role: string) => ({ ...args.tags, Name: `${name}-${role}` });
    const baseTags = { ...args.tags };
    const transform = args.transform ?? {};
    const child = { parent: this };

    // Security groups: the world reaches the load balancer only; the instances admit only it.
    const loadBalancerSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-alb-sg`,
      ...transformed(transform.securityGroup, { vpcId: args.vpcId, description: `Load balancer of ${name}: HTTP(S) from anywhere, to the instances only`, tags: tags("alb-sg") }, child),
    );
    const instanceSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-instance-sg`,
      ...transformed(transform.securityGroup, { vpcId: args.vpcId, description: `Instances of ${name}: nginx from the load balancer only`, tags: tags("instance-sg") }, child),
    );
    const ingress = (role: string, ruleArgs: aws.vpc.SecurityGroupIngressRuleArgs) => new aws.vpc.SecurityGroupIngressRule(`${name}-${role}`, { ...ruleArgs, tags: tags(role) }, child);
    const egress = (role: string, ruleArgs: aws.vpc.SecurityGroupEgressRuleArgs) => new aws.vpc.SecurityGroupEgressRule(`${name}-${role}`, { ...ruleArgs, tags: tags(role) }, child);
    const securityGroupRules = [
      // 443 only with a domain: without one nothing listens there. IPv4 only, as the load balancer.
      ...(settings.https ? [80, 443] : [80]).map((port) =>
        ingress(`alb-sg-${port === 443 ? "https" : "http"}`, { securityGroupId: loadBalancerSecurityGroup.id, description: `HTTP${port === 443 ? "S" : ""} from anywhere`, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0" }),
      ),
      egress("alb-sg-to-instances", { securityGroupId: loadBalancerSecurityGroup.id, description: "Requests and health checks to nginx on the instances", ipProtocol: "tcp", fromPort: INSTANCE_PORT, toPort: INSTANCE_PORT, referencedSecurityGroupId: instanceSecurityGroup.id }),
      ingress("instance-sg-from-alb", { securityGroupId: instanceSecurityGroup.id, description: "nginx, from the load balancer only", ipProtocol: "tcp", fromPort: INSTANCE_PORT, toPort: INSTANCE_PORT, referencedSecurityGroupId: loadBalancerSecurityGroup.id }),
      // dnf, the registry, Parameter Store, the data tier.
      egress("instance-sg-egress-ipv4", { securityGroupId: instanceSecurityGroup.id, description: "All outbound", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }),
      egress("instance-sg-egress-ipv6", { securityGroupId: instanceSecurityGroup.id, description: "All outbound", ipProtocol: "-1", cidrIpv6: "::/0" }),
    ];
    // The data tier admits the instances by a rule of its own on the tier's group (rules are
    // separate resources, so others can add theirs): created before any instance boots.
    const dataTierRules: aws.vpc.SecurityGroupIngressRule[] = [];
    if (args.database) {
      const port = args.database.port ?? FLEET_DEFAULTS.databasePort;
      dataTierRules.push(ingress("admit-database", { securityGroupId: args.database.securityGroupId, description: `MySQL from the instances of ${name}`, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: instanceSecurityGroup.id }));
    }
    if (args.cache) {
      const port = args.cache.port ?? FLEET_DEFAULTS.cachePort;
      dataTierRules.push(ingress("admit-cache", { securityGroupId: args.cache.securityGroupId, description: `Valkey/Redis from the instances of ${name}`, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: instanceSecurityGroup.id }));
    }

    // Secrets: SecureString parameters only the instance role reads.
    const secretValues: Partial<Record<SecretKey, pulumi.Input<string>>> = {
      "database-password": args.database?.password,
      "cache-username": args.cache?.username,
      "cache-password": args.cache?.password,
      "registry-password": args.app.registry?.password,
    };
    const secrets = createSecretParameters(name, settings.secretsPath, secretValues, { tags: baseTags, transform: transform.parameter, parent: this });
    const parameterOf = (key: SecretKey) => secrets.find((secret) => secret.key === key);

    const instanceRole = new aws.iam.Role(
      `${name}-instance`,
      ...transformed(
        transform.instanceRole,
        { assumeRolePolicy: JSON.stringify(serviceAssumeRolePolicy("ec2.amazonaws.com")), description: `Instances of ${name}`, permissionsBoundary: settings.permissionsBoundary, tags: tags("instance-role") },
        child,
      ),
    );
    const instanceRolePolicies: aws.iam.RolePolicy[] = [];
    if (secrets.length > 0) {
      instanceRolePolicies.push(
        new aws.iam.RolePolicy(
          `${name}-read-secrets`,
          { role: instanceRole.id, policy: pulumi.all(secrets.map((secret) => secret.parameter.arn)).apply((arns) => JSON.stringify(readParametersPolicy(arns))) },
          child,
        ),
      );
    }
    if (settings.sessionManager) {
      instanceRolePolicies.push(new aws.iam.RolePolicy(`${name}-session-manager`, { role: instanceRole.id, policy: JSON.stringify(sessionManagerPolicy()) }, child));
    }
    // Alarms and alerts go to one topic, made before the role: the metrics workspace routes to it.
    const notifications = createAlarmNotifications(name, { emails: settings.emails, slack: settings.slack, permissionsBoundary: settings.permissionsBoundary, tags: baseTags, transform: transform.alarmTopic }, this);
    const region = aws.getRegionOutput({}, { parent: this }).region;
    // Metrics leave the instances: the agents may write to this workspace and nowhere else.
    const metrics = settings.metrics
      ? createManagedPrometheus(
          name,
          { ...settings.metrics, cpuTargetPercent: settings.cpuTargetPercent, topic: notifications.topic, region, seriesPerInstance: ESTIMATED_SERIES_PER_INSTANCE, tags: baseTags },
          this,
        )
      : undefined;
    if (metrics) instanceRolePolicies.push(new aws.iam.RolePolicy(`${name}-write-metrics`, { role: instanceRole.id, policy: metrics.writePolicy }, child));
    // The containers' logs: groups made here, written by this role alone.
    const centralLogs = args.logs ? createCentralLogs(name, { stack: args.logs.stack, services: FLEET_LOGGED_SERVICES, retentionDays: args.logs.retentionDays, tags: baseTags }, this) : undefined;
    if (centralLogs) instanceRolePolicies.push(new aws.iam.RolePolicy(`${name}-write-logs`, { role: instanceRole.id, policy: centralLogs.writePolicy }, child));
    const instanceProfile = new aws.iam.InstanceProfile(`${name}-instance`, { role: instanceRole.name, tags: tags("instance-profile") }, child);

    // The load balancer, in the public subnets, and nginx on each instance behind it.
    const loadBalancer = new aws.lb.LoadBalancer(
      `${name}-alb`,
      ...transformed(
        transform.loadBalancer,
        {
          loadBalancerType: "application",
          internal: false,
          ipAddressType: "ipv4",
          subnets: args.publicSubnetIds,
          securityGroups: [loadBalancerSecurityGroup.id],
          // Below nginx's keepalive_timeout (65 s): the load balancer, not nginx, closes an idle connection first.
          idleTimeout: 60,
          // Requests with header names HTTP does not allow never reach nginx (AWS Security Hub ELB.4).
          dropInvalidHeaderFields: true,
          tags: tags("alb"),
        },
        child,
      ),
    );
    const healthCheck = FLEET_DEFAULTS.healthCheck;
    const targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      ...transformed(
        transform.targetGroup,
        {
          vpcId: args.vpcId,
          targetType: "instance",
          port: INSTANCE_PORT,
          protocol: "HTTP",
          deregistrationDelay: settings.deregistrationDelaySeconds,
          // The API's own health, through nginx: nginx's /nginx-health would pass with the API down.
          healthCheck: {
            enabled: true,
            protocol: "HTTP",
            port: "traffic-port",
            path: settings.healthPath,
            matcher: "200",
            interval: healthCheck.intervalSeconds,
            timeout: healthCheck.timeoutSeconds,
            healthyThreshold: healthCheck.healthyThreshold,
            unhealthyThreshold: healthCheck.unhealthyThreshold,
          },
          tags: tags("tg"),
        },
        child,
      ),
    );
    const https = settings.https
      ? createHttpsListener(
          name,
          { domain: settings.https.domain, hostedZoneId: args.https!.hostedZoneId, loadBalancer, targetGroup, sslPolicy: settings.sslPolicy, tags: baseTags, transform: { certificate: transform.certificate, listener: transform.listener } },
          this,
        )
      : undefined;
    const httpListener = new aws.lb.Listener(
      `${name}-http`,
      ...transformed(
        transform.listener,
        {
          loadBalancerArn: loadBalancer.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: https
            ? [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]
            : [{ type: "forward", targetGroupArn: targetGroup.arn }],
          tags: tags("http"),
        },
        child,
      ),
    );

    // What each instance runs: the user data names the image, the endpoints and the secrets' versions.
    const image = pulumi.output(args.app.image).apply((value) => requirePinnedImage(component, "app.image", value));
    const secretParameters: Record<string, string> = {};
    for (const [key, variable] of Object.entries(SECRET_VARIABLES) as [keyof typeof SECRET_VARIABLES, string][]) {
      const secret = parameterOf(key);
      if (secret) secretParameters[variable] = secret.name;
    }
    const registryParameter = parameterOf("registry-password");
    const database = args.database;
    const cache = args.cache;
    const userData = pulumi
      .all([
        image,
        region,
        pulumi.all(secrets.map((secret) => secret.parameter.version)),
        database ? pulumi.all([database.address, database.port ?? FLEET_DEFAULTS.databasePort, database.name, database.username]) : undefined,
        cache ? pulumi.all([cache.primaryEndpoint, cache.port ?? FLEET_DEFAULTS.cachePort]) : undefined,
        metrics?.remoteWriteUrl,
      ])
      .apply(([imageRef, regionName, versions, db, tokens, metricsUrl]) =>
        encodeUserData(
          renderCloudConfig({
            image: imageRef,
            region: regionName,
            projectDirectory: settings.projectDirectory,
            proxyImage: settings.proxyImage,
            logsStack: args.logs?.stack,
            metrics: settings.metrics && metricsUrl ? { ...settings.metrics, remoteWriteUrl: metricsUrl } : undefined,
            // Only the load balancer reaches nginx (the instances' group admits the ALB's alone), from
            // inside the VPC: trust its X-Forwarded-For and -Proto, so the API sees the client and https.
            proxy: { trustedProxyCidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], ...args.proxy },
            springProfile: settings.springProfile,
            timeZone: settings.timeZone,
            healthPath: settings.healthPath,
            database: db ? { host: db[0], port: db[1], name: db[2], username: db[3] } : undefined,
            cache: tokens ? { host: tokens[0], port: tokens[1], tls: cache?.tls ?? true } : undefined,
            secretParameters,
            secretVersions: Object.fromEntries(secrets.map((secret, i) => [secret.name, versions[i] ?? 0])),
            registry: args.app.registry && registryParameter ? { server: args.app.registry.server, username: args.app.registry.username, passwordParameter: registryParameter.name } : undefined,
          }),
        ),
      );
    const ami = args.ami ?? aws.ssm.getParameterOutput({ name: AMI_PARAMETERS.al2023[settings.architecture] }, { parent: this }).value;
    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-lt`,
      ...transformed(
        transform.launchTemplate,
        {
          // Fixed: a description never carries a setting.
          description: `Instances of the trafficlab API fleet ${name}`,
          imageId: ami,
          instanceType: settings.instanceType,
          iamInstanceProfile: { arn: instanceProfile.arn },
          keyName: args.keyName,
          // IMDSv2 only; hop limit 2 because containers sit one network hop further than the host.
          metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
          networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: String(settings.assignPublicIp), securityGroups: [instanceSecurityGroup.id], deleteOnTermination: "true" }],
          blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3", volumeSize: settings.rootVolumeGiB, encrypted: "true", deleteOnTermination: "true" } }],
          creditSpecification: settings.cpuCredits ? { cpuCredits: settings.cpuCredits } : undefined,
          userData,
          updateDefaultVersion: true,
          tagSpecifications: [
            { resourceType: "instance", tags: tags("instance") },
            { resourceType: "volume", tags: tags("volume") },
          ],
          tags: tags("lt"),
        },
        child,
      ),
    );

    // Alarms first: the instance refresh names two of them and rolls back when either fires.
    const specs = fleetAlarmSpecs({
      minSize: settings.minSize,
      maxSize: settings.maxSize,
      healthCheckGracePeriodSeconds: settings.healthCheckGracePeriodSeconds,
      database: database ? { instanceClass: database.instanceClass, allocatedStorageGiB: database.allocatedStorageGiB } : undefined,
      cache: cache ? { nodeType: cache.nodeType, nodes: cache.nodes } : undefined,
      thresholds: settings.thresholds,
      disabled: settings.disabledAlarms,
    });
    const groupName = `${name}-asg`;
    const loadBalancerAlarms = createAlarms(
      name,
      specs.filter((spec) => spec.namespace === "AWS/ApplicationELB"),
      { loadBalancer: loadBalancer.arnSuffix, targetGroup: targetGroup.arnSuffix, autoScalingGroup: "" },
      notifications.topic.arn,
      { tags: baseTags, transform: transform.alarm, parent: this },
    );
    const rollbackAlarms = REFRESH_ROLLBACK_ALARMS.map((key) => loadBalancerAlarms.get(key)).filter((alarm): alarm is aws.cloudwatch.MetricAlarm => alarm !== undefined);

    const autoScalingGroup = new aws.autoscaling.Group(
      groupName,
      ...transformed(
        transform.autoScalingGroup,
        {
          minSize: settings.minSize,
          maxSize: settings.maxSize,
          desiredCapacity: settings.desiredCapacity,
          vpcZoneIdentifiers: args.instanceSubnetIds ?? args.publicSubnetIds,
          // A version number, never $Latest: a new version is then a change of the group, which
          // starts an instance refresh (and auto rollback needs a numbered version).
          launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply((version) => String(version)) },
          targetGroupArns: [targetGroup.arn],
          // ELB: an instance whose API died is replaced, not only one whose VM stopped.
          healthCheckType: "ELB",
          healthCheckGracePeriod: settings.healthCheckGracePeriodSeconds,
          defaultInstanceWarmup: settings.instanceWarmupSeconds,
          // Launch before terminate, for refreshes and for replacing unhealthy instances: a group
          // of one keeps serving while its instance is replaced.
          instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 200 },
          instanceRefresh: {
            strategy: "Rolling",
            preferences: {
              // Repeated here: once preferences exist the provider sends its own 90/100 otherwise.
              minHealthyPercentage: 100,
              maxHealthyPercentage: 200,
              autoRollback: true,
              // Instances already on the new version (launched by a scale-out) are kept.
              skipMatching: true,
              ...(rollbackAlarms.length > 0 ? { alarmSpecification: { alarms: rollbackAlarms.map((alarm) => alarm.name) } } : {}),
            },
          },
          enabledMetrics: GROUP_METRICS,
          metricsGranularity: "1Minute",
          // The first `pulumi up` ends when the API answers behind the load balancer.
          minElbCapacity: settings.minSize,
          waitForCapacityTimeout: "20m",
          tags: [
            ...Object.entries(args.tags ?? {}).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
            { key: "Name", value: `${name}-instance`, propagateAtLaunch: true },
          ],
        },
        {
          parent: this,
          // The scaling policy owns the running count: a fixed desiredCapacity would reset a scaled-out group at every `pulumi up`.
          ignoreChanges: ["desiredCapacity"],
          // Admitted by the data tier and able to read the secrets before the first instance boots;
          // a listener routes to the target group, else its targets stay "unused", never healthy.
          dependsOn: [...(args.internetAccess ?? []), ...dataTierRules, ...instanceRolePolicies, ...rollbackAlarms, httpListener, ...(https ? [https.listener] : [])],
        },
      ),
    );
    const scalingPolicy =
      settings.maxSize > settings.minSize
        ? new aws.autoscaling.Policy(
            `${name}-cpu-target`,
            ...transformed(
              transform.scalingPolicy,
              {
                autoscalingGroupName: autoScalingGroup.name,
                policyType: "TargetTrackingScaling",
                // No estimatedInstanceWarmup: the group's defaultInstanceWarmup applies.
                targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" }, targetValue: settings.cpuTargetPercent },
              },
              child,
            ),
          )
        : undefined;
    const otherAlarms = createAlarms(
      name,
      specs.filter((spec) => spec.namespace !== "AWS/ApplicationELB"),
      {
        loadBalancer: loadBalancer.arnSuffix,
        targetGroup: targetGroup.arnSuffix,
        autoScalingGroup: autoScalingGroup.name,
        dbInstance: database?.identifier,
        cacheReplicationGroup: cache?.replicationGroupId,
      },
      notifications.topic.arn,
      { tags: baseTags, transform: transform.alarm, parent: this },
    );
    const alarms = [...loadBalancerAlarms.values(), ...otherAlarms.values()];

    // The script names the group's version: a new one is an update, which runs it; nothing runs on delete.
    const waitScript = pulumi
      .all([autoScalingGroup.name, region, autoScalingGroup.launchTemplate])
      .apply(([group, regionName, template]) => refreshWaitScript({ group, region: regionName, version: String(template?.version ?? ""), timeoutMinutes: settings.refreshTimeoutMinutes }));
    const refreshWait = settings.waitForRefresh
      ? new command.local.Command(`${name}-refresh-wait`, ...transformed(transform.refreshWait, { create: waitScript, update: waitScript, interpreter: ["/bin/bash", "-c"] }, child))
      : undefined;

    this.nodes = {
      loadBalancerSecurityGroup,
      instanceSecurityGroup,
      securityGroupRules,
      dataTierRules,
      parameters: secrets.map((secret) => secret.parameter),
      instanceRole,
      instanceRolePolicies,
      instanceProfile,
      loadBalancer,
      targetGroup,
      httpListener,
      https,
      launchTemplate,
      autoScalingGroup,
      scalingPolicy,
      alarmTopic: notifications.topic,
      emailSubscriptions: notifications.emailSubscriptions,
      slack: notifications.slack,
      alarms,
      refreshWait,
      metrics,
    };
    this.loadBalancerDnsName = loadBalancer.dnsName;
    this.loadBalancerZoneId = loadBalancer.zoneId;
    this.url = settings.https ? pulumi.output(`https://${settings.https.domain}/`) : pulumi.interpolate`http://${loadBalancer.dnsName}/`;
    this.instanceSecurityGroupId = instanceSecurityGroup.id;
    this.loadBalancerSecurityGroupId = loadBalancerSecurityGroup.id;
    this.autoScalingGroupName = autoScalingGroup.name;
    this.launchTemplateVersion = launchTemplate.latestVersion;
    this.alarmTopicArn = notifications.topic.arn;
    this.metricsWorkspaceId = metrics ? metrics.workspace.id : pulumi.output("");
    this.metricsQueryEndpoint = metrics ? metrics.workspace.prometheusEndpoint : pulumi.output("");
    this.alarmNames = [...loadBalancerAlarms.keys(), ...otherAlarms.keys()].map((suffix) => `${name}-${suffix}`);
    this.secretParameterNames = secrets.map((secret) => secret.name);
    this.followRefreshCommand = pulumi.all([autoScalingGroup.name, region]).apply(([group, regionName]) => followRefreshCommand(group, regionName));
    this.registerOutputs({
      url: this.url,
      loadBalancerDnsName: this.loadBalancerDnsName,
      instanceSecurityGroupId: this.instanceSecurityGroupId,
      loadBalancerSecurityGroupId: this.loadBalancerSecurityGroupId,
      autoScalingGroupName: this.autoScalingGroupName,
      launchTemplateVersion: this.launchTemplateVersion,
      alarmTopicArn: this.alarmTopicArn,
      metricsWorkspaceId: this.metricsWorkspaceId,
      followRefreshCommand: this.followRefreshCommand,
    });
  }
}
