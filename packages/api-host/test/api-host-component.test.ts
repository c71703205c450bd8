import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { parse as parseYaml } from "yaml";
import { ApiHost, AppDeployment, HOST_KEY_SCAN_BUDGET, SSH_DIAL_BUDGET, STAMPS, stampOf, type ApiHostDeployArgs } from "@trafficlab/api-host";
import { awsLikeState, expectRejected, installMocks, resolveOutput, type MockedProgram, type RegisteredResource, type ResourceGraph } from "@trafficlab/testing";

const COMMAND = "command:remote:Command";
const base: ApiHostDeployArgs = {
  vpcId: "vpc-0abc",
  subnetId: "subnet-public-a",
  sshAllowedCidrs: ["198.51.100.7/32"],
  app: { image: "example/trafficlab-api:1.0.0" },
};

function command(graph: ResourceGraph, suffix: string): RegisteredResource {
  return graph.one(COMMAND, suffix);
}

/** The host, a stand-in database and cache (real AWS resources under the mocks), and the deployment. */
async function deploy(args: Partial<ApiHostDeployArgs> = {}) {
  const program = installMocks();
  const host = new ApiHost("api", { ...base, ...args });
  const database = new aws.rds.Instance("db", { instanceClass: "db.t3.micro", engine: "mysql", vpcSecurityGroupIds: [host.securityGroupId] });
  const cache = new aws.elasticache.ReplicationGroup("cache", { description: "tokens", securityGroupIds: [host.securityGroupId] });
  const password = pulumi.secret("Db-Password-From-Test-1");
  new AppDeployment(
    "app",
    {
      host,
      environment: {
        SPRING_DATASOURCE_URL: pulumi.interpolate`jdbc:mysql://${database.endpoint}/app`,
        SPRING_DATASOURCE_PASSWORD: password,
        SPRING_DATA_REDIS_HOST: cache.primaryEndpointAddress,
      },
    },
    { dependsOn: [database, cache] },
  );
  const graph = await program.settled();
  return { host, graph, database: graph.one("aws:rds/instance:Instance"), cache: graph.one("aws:elasticache/replicationGroup:ReplicationGroup") };
}

describe("@trafficlab/api-host ApiHost + AppDeployment", () => {
  it("with metrics, AppDeployment requires the cache's monitoring user, and refuses it without metrics, before registering anything", async () => {
    const program = installMocks();
    const plain = new ApiHost("plain", base);
    const watched = new ApiHost("watched", { ...base, metrics: { stack: "test", alarmTopicArn: "arn:aws:sns:ap-northeast-2:123456789012:test-alarms", region: "ap-northeast-2" } });
    const cache = { host: "master.cache.internal", user: "tokens-monitor", password: pulumi.secret("Monitor-Password-From-Test-1") };
    expect(() => new AppDeployment("app-a", { host: watched, environment: {} })).to.throw(/metricsCache .*Required exactly when the host runs metrics/);
    expect(() => new AppDeployment("app-b", { host: plain, environment: {}, metricsCache: cache })).to.throw(/metricsCache = "\(given\)"/);
    const graph = await program.settled();
    expect(graph.ofType("trafficlab:api-host:AppDeployment")).to.deep.equal([]);
    expect(watched.appEnvironment).to.include({ MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE: "health,prometheus" });
    expect(plain.appEnvironment).to.not.have.property("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE");
    expect(plain.prometheusTunnelCommand).to.equal(undefined);
  });

  describe("the instance", () => {
    it("runs Amazon Linux 2023 from the public SSM parameter on t3.micro", async () => {
      const { graph } = await deploy();
      const lookup = graph.calls.find((call) => call.token === "aws:ssm/getParameter:getParameter");
      expect(lookup?.inputs.name).to.equal("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
      const instance = graph.one("aws:ec2/instance:Instance");
      expect(instance.inputs.ami).to.match(/^ami-/);
      expect(instance.inputs.instanceType).to.equal("t3.micro");
      expect(instance.ignoreChanges).to.deep.equal(["ami"]);
    });

    it("requires IMDSv2 with hop limit 2 and encrypts a gp3 root volume", async () => {
      const { graph } = await deploy();
      const instance = graph.one("aws:ec2/instance:Instance").inputs;
      expect(instance.metadataOptions).to.deep.include({ httpTokens: "required", httpPutResponseHopLimit: 2, httpEndpoint: "enabled" });
      expect(instance.rootBlockDevice).to.deep.include({ volumeType: "gp3", encrypted: true, volumeSize: 10 });
      expect(instance.creditSpecification).to.deep.equal({ cpuCredits: "standard" });
    });

    it("accepts the document's t2.micro and Amazon Linux 2, and arm64 AMIs for Graviton", async () => {
      const { graph } = await deploy({ instanceType: "t2.micro", os: "al2" });
      expect(graph.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter")?.inputs.name).to.equal("/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2");
      expect(graph.one("aws:ec2/instance:Instance").inputs.creditSpecification).to.deep.equal({ cpuCredits: "standard" });
      const arm = await deploy({ instanceType: "t4g.small" });
      expect(arm.graph.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter")?.inputs.name).to.match(/arm64$/);
    });

    it("generates an ED25519 key, keeps the private half secret and registers the public half", async () => {
      const { host, graph } = await deploy();
      const key = graph.named("api-ssh-key");
      expect(key.inputs.algorithm).to.equal("ED25519");
      const keyPair = graph.one("aws:ec2/keyPair:KeyPair");
      expect(keyPair.inputs.publicKey).to.match(/^ssh-ed25519 /);
      expect(keyPair.outputs.keyName).to.match(/^api-key-[0-9a-f]{7}$/);
      expect(graph.one("aws:ec2/instance:Instance").inputs.keyName).to.equal(keyPair.outputs.keyName);
      const privateKey = await resolveOutput(host.sshPrivateKey);
      expect(await pulumi.isSecret(host.sshPrivateKey)).to.equal(true);
      expect(graph.plainUsesOf(privateKey!)).to.deep.equal([]);
    });

    it("uses an existing key pair when given one", async () => {
      const { graph } = await deploy({ existingKeyPair: { name: "ops", privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\nops\n") } });
      expect(graph.ofType("tls:index/privateKey:PrivateKey").map((k) => k.name)).to.deep.equal(["api-host-key"]);
      expect(graph.ofType("aws:ec2/keyPair:KeyPair")).to.have.length(0);
      expect(graph.one("aws:ec2/instance:Instance").inputs.keyName).to.equal("ops");
    });

    it("attaches an Elastic IP when asked, and the outputs use it", async () => {
      const { host, graph } = await deploy({ elasticIp: true });
      const eip = graph.one("aws:ec2/eip:Eip");
      expect(eip.inputs.domain).to.equal("vpc");
      expect(await resolveOutput(host.publicIp)).to.match(/^198\.51\.100\./);
    });
  });

  describe("the security group", () => {
    it("opens 80 to the world, 443 only with a domain, and 22 only to the allowed CIDRs", async () => {
      const { graph } = await deploy({ sshAllowedCidrs: ["198.51.100.7/32", "2001:db8::/64"] });
      expect(graph.ingressRules(80).map((r) => r.cidrIpv4 ?? r.cidrIpv6)).to.have.members(["0.0.0.0/0", "::/0"]);
      // Nothing listens on 443 without a certificate.
      expect(graph.ingressRules(443)).to.deep.equal([]);
      const secured = await deploy({ https: { domain: "api.example.com", email: "ops@example.com" } });
      expect(secured.graph.ingressRules(443).map((r) => r.cidrIpv4 ?? r.cidrIpv6)).to.have.members(["0.0.0.0/0", "::/0"]);
      const ssh = graph.ingressRules(22).map((r) => r.cidrIpv4 ?? r.cidrIpv6);
      expect(ssh).to.have.members(["198.51.100.7/32", "2001:db8::/64"]);
      expect(ssh).not.to.include("0.0.0.0/0");
      expect(graph.ingressRules(8080)).to.deep.equal([]);
    });
  });

  describe("the deploy graph", () => {
    it("installs Docker, copies files and pulls images without waiting for the database or cache", async () => {
      const { graph, database, cache } = await deploy();
      const early = graph.ofType(COMMAND).filter((c) => /install-docker|-file-|pull-images/.test(c.name));
      expect(early.map((c) => c.name).sort()).to.deep.equal(["api-file-compose-yaml", "api-file-nginx-conf-d-default-conf", "api-file-nginx-front-front-conf", "api-file-nginx-nginx-conf", "api-install-docker", "api-pull-images"]);
      for (const step of early) {
        expect(graph.waitsFor(step, database), `${step.name} waits for RDS`).to.equal(false);
        expect(graph.waitsFor(step, cache), `${step.name} waits for ElastiCache`).to.equal(false);
      }
      const install = command(graph, "install-docker");
      for (const step of early.filter((s) => s !== install)) expect(graph.waitsFor(step, install), `${step.name} after install`).to.equal(true);
      // The pull needs compose.yaml, not the nginx config.
      expect(graph.waitsFor(command(graph, "pull-images"), command(graph, "file-compose-yaml"))).to.equal(true);
      expect(graph.waitsFor(command(graph, "pull-images"), command(graph, "file-nginx-nginx-conf"))).to.equal(false);
    });

    it("installs Docker only once the host can reach the internet", async () => {
      const program = installMocks();
      const route = new aws.ec2.Route("public-default-route", { routeTableId: "rtb-1", destinationCidrBlock: "0.0.0.0/0", gatewayId: "igw-1" });
      new ApiHost("api", { ...base, internetAccess: [route] });
      const graph = await program.settled();
      expect(graph.waitsFor(command(graph, "install-docker"), graph.named("public-default-route"))).to.equal(true);
    });

    it("runs compose up after the API deploy, the nginx colour, the files, the pull and the data tier", async () => {
      const { graph, database, cache } = await deploy();
      const up = command(graph, "app-compose-up");
      for (const step of graph.ofType(COMMAND).filter((c) => c !== up)) {
        expect(graph.waitsFor(up, step), `up waits for ${step.name}`).to.equal(true);
      }
      expect(graph.waitsFor(up, database)).to.equal(true);
      expect(graph.waitsFor(up, cache)).to.equal(true);
      // The colour comes before the front: the front's health check, and the ACME client, need one serving.
      expect(graph.waitsFor(command(graph, "app-edge-deploy"), command(graph, "app-api-deploy"))).to.equal(true);
      expect(graph.ofType(COMMAND).map((c) => c.name)).not.to.include("app-reload-proxy");
    });

    it("deploys the API blue/green in place when the image or env changes, and tears it down only on delete", async () => {
      const { graph } = await deploy();
      const api = command(graph, "app-api-deploy");
      expect(api.inputs.update).to.equal(api.inputs.create);
      // The switch is a DNS alias nginx re-resolves, not an nginx reload (a reload drops idle keep-alive clients).
      expect(String(api.inputs.create)).to.include("example/trafficlab-api:1.0.0").and.include("service_alias='trafficlab-api-live'").and.not.include("nginx -s reload");
      expect(String(api.inputs.delete)).to.match(/docker rm/);
      // The env file holds the data tier's secrets: it leaves with the API.
      expect(String(api.inputs.delete)).to.include("env_file='api.env'").and.include('rm -f "$project_dir/$env_file"');
      // A trigger would replace the command, and a replacement runs the old teardown after the new deploy.
      for (const step of graph.ofType("command:remote:Command")) expect(step.inputs.triggers, step.name).to.equal(undefined);
      // Only an explicit --replace replaces it; then the old teardown runs first.
      expect(api.deleteBeforeReplace).to.equal(true);
      // nginx's compose project comes up after the first API container exists.
      const proxy = command(graph, "app-compose-up");
      expect(proxy.inputs.update).to.equal(proxy.inputs.create);
      expect(String(proxy.inputs.create)).to.include("compose up --detach --remove-orphans").and.include("compose() { as_root docker compose");
      expect(String(proxy.inputs.delete)).to.include("docker compose down");
      expect(graph.waitsFor(proxy, api)).to.equal(true);
    });

    it("removes each file it wrote when the file leaves the project or the stack is destroyed", async () => {
      const { graph } = await deploy();
      const files = graph.ofType(COMMAND).filter((c) => c.name.includes("-file-"));
      expect(files).to.have.length(4);
      for (const file of files) {
        const target = /^target='([^']+)'$/m.exec(String(file.inputs.create))?.[1];
        expect(target, file.name).to.match(/^\/opt\/trafficlab\//);
        expect(String(file.inputs.delete), file.name).to.include(`target='${target}'`).and.include('as_root rm -f "$target"');
        // Create-before-delete would run the old delete after the new write: the file would be gone.
        expect(file.deleteBeforeReplace, file.name).to.equal(true);
      }
    });

    it("pulls the API image with the compose images, before the data tier exists", async () => {
      const { graph } = await deploy();
      const pull = String(command(graph, "pull-images").inputs.create);
      // The nginx colours run outside compose: their image is pulled with the API's.
      expect(pull).to.include("images=('example/trafficlab-api:1.0.0' 'nginx:1.28.0-alpine')").and.include('docker pull --quiet "$image"');
    });

    it("exposes the image the API ran before, as the deploy reported it, for a rollback", async () => {
      const program = installMocks({
        mocks: {
          newResource: (args) => {
            const answer = awsLikeState(args.type, args.name, args.inputs, "ap-northeast-2");
            if (args.name === "app-api-deploy") answer.state.stdout = "deploy: green healthy\nprevious-image=example/trafficlab-api:0.9.0\n";
            return answer;
          },
        },
      });
      const host = new ApiHost("api", base);
      const app = new AppDeployment("app", { host, environment: { A: "b" } });
      expect(await resolveOutput(app.previousImage)).to.equal("example/trafficlab-api:0.9.0");
      await program.settled();
    });

    it("rolls a new nginx colour behind the edge front, never a reload or a restart, when nginx's image or config changes", async () => {
      const { graph } = await deploy();
      const edge = command(graph, "app-edge-deploy");
      const script = String(edge.inputs.create);
      expect(script).to.include("image='nginx:1.28.0-alpine'").and.include("prefix='trafficlab-nginx'").and.include("network='trafficlab-api'");
      expect(script).not.to.include("nginx -s reload").and.not.to.include("docker restart");
      // The config's hash is in the script, so a new config re-runs it as an update.
      expect(script).to.match(/^# nginx config sha256: [0-9a-f]{64}$/m);
      expect(edge.inputs.update).to.equal(edge.inputs.create);
      expect(String(edge.inputs.delete)).to.include("edge-teardown");
      expect(edge.deleteBeforeReplace).to.equal(true);
      // A new image changes this step's script and the pull's, not compose.yaml: the front stays.
      const other = await deploy({ proxyImage: "nginx:1.29.3-alpine" });
      expect(String(command(other.graph, "app-edge-deploy").inputs.create)).to.include("image='nginx:1.29.3-alpine'");
      expect(String(command(other.graph, "file-compose-yaml").inputs.stdin)).to.equal(String(command(graph, "file-compose-yaml").inputs.stdin));
    });
  });

  describe("escape hatches", () => {
    it("keeps every security-group rule a resource of its own, SSH rules named by their CIDR", async () => {
      const { graph, host } = await deploy({ sshAllowedCidrs: ["198.51.100.7/32", "2001:db8::/64"] });
      const sg = graph.one("aws:ec2/securityGroup:SecurityGroup");
      expect(sg.inputs).not.to.have.any.keys("ingress", "egress");
      const rules = [...graph.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"), ...graph.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")];
      expect(rules.map((r) => r.name).sort()).to.deep.equal([
        "api-sg-egress-ipv4",
        "api-sg-egress-ipv6",
        "api-sg-http-ipv4",
        "api-sg-http-ipv6",
        "api-sg-ssh-198-51-100-7-32",
        "api-sg-ssh-2001-db8-64",
      ]);
      for (const rule of rules) expect(rule.inputs.securityGroupId, rule.name).to.equal(sg.id);
      expect(host.nodes.securityGroupRules).to.have.length(6);
    });

    it("lets a caller change a child: the instance's arguments, every host step's options", async () => {
      const { graph, host } = await deploy({
        transform: {
          instance: { monitoring: true },
          command: (_args, opts) => {
            opts.customTimeouts = { create: "20m" };
          },
        },
      });
      expect(graph.one("aws:ec2/instance:Instance").inputs.monitoring).to.equal(true);
      expect(host.nodes.commands.map((c) => c.urn)).to.have.length(graph.ofType(COMMAND).filter((c) => c.name.startsWith("api-")).length);
      expect(await resolveOutput(host.nodes.instance.id)).to.equal(graph.one("aws:ec2/instance:Instance").id);
    });
  });

  describe("secrets", () => {
    it("send the env file to the deploy step through stdin as a secret, written with mode 600", async () => {
      const { graph } = await deploy();
      const api = command(graph, "app-api-deploy");
      expect(api.secretPaths).to.include("stdin");
      expect(String(api.inputs.stdin)).to.include("SPRING_DATASOURCE_PASSWORD=Db-Password-From-Test-1");
      expect(String(api.inputs.create)).to.include("env_file='api.env'").and.include("env_from_stdin='1'").and.include('chmod 600 "$env_tmp"');
      expect(String(api.inputs.create)).not.to.include("Db-Password-From-Test-1");
      expect(graph.plainUsesOf("Db-Password-From-Test-1")).to.deep.equal([]);
    });

    it("names the instance in every host script, so a new host re-runs every step there", async () => {
      const { graph } = await deploy();
      const instance = graph.one("aws:ec2/instance:Instance");
      for (const step of graph.ofType("command:remote:Command")) expect(String(step.inputs.create), step.name).to.include(`# host: ${instance.id}\n`);
    });

    it("log in to a private registry with the password on stdin only", async () => {
      const { graph } = await deploy({
        app: { image: "registry.example.com/team/api:2.0.0", registry: { server: "registry.example.com", username: "deployer", password: pulumi.secret("Registry-Secret-9") } },
      });
      const pull = command(graph, "pull-images");
      expect(String(pull.inputs.create)).to.include("--password-stdin");
      expect(pull.secretPaths).to.include("stdin");
      expect(graph.plainUsesOf("Registry-Secret-9")).to.deep.equal([]);
    });

    it("keep the SSH private key out of every plain input", async () => {
      const { host, graph } = await deploy();
      const privateKey = (await resolveOutput(host.sshPrivateKey))!;
      for (const step of graph.ofType(COMMAND)) expect(step.secretPaths, step.name).to.include("connection");
      expect(graph.plainUsesOf(privateKey)).to.deep.equal([]);
    });
  });

  describe("the compose project on the host", () => {
    it("runs nginx in compose, the API beside it on its own network with no published port", async () => {
      const { graph } = await deploy();
      const compose = String(command(graph, "file-compose-yaml").inputs.stdin);
      expect(compose).to.include("nginx:1.28.0-alpine").and.include("external: true");
      expect(compose).not.to.include("trafficlab-api:1.0.0");
      const run = String(command(graph, "app-api-deploy").inputs.create);
      expect(run).not.to.match(/--publish|\s-p\s/);
      // nginx re-resolves each color's container name, which the deploy adds and renames away; no file to rewrite, no reload.
      expect(String(command(graph, "file-nginx-conf-d-default-conf").inputs.stdin)).to.include("server trafficlab-api-blue:8080 resolve;").and.include("server trafficlab-api-green:8080 resolve;");
    });
  });

  describe("HTTPS with a domain", () => {
    const https = { domain: "api.example.com", email: "ops@example.com" };

    it("serves the URL over https, with an ACME client beside nginx and its scripts on the host", async () => {
      const { host, graph } = await deploy({ https });
      expect(await resolveOutput(host.url)).to.equal("https://api.example.com/");
      const compose = String(command(graph, "file-compose-yaml").inputs.stdin);
      expect(compose).to.include("goacme/lego:v4.26.0").and.include("ACME_DOMAIN: api.example.com").and.include("https://acme-v02.api.letsencrypt.org/directory");
      expect(compose).to.include("443:443");
      // The colour mounts the certificates (edge-deploy.sh), the front passes TLS on as it is.
      expect(String(command(graph, "app-edge-deploy").inputs.create)).to.include("https='1'").and.include("tls_dir='tls'");
      const files = graph.ofType(COMMAND).map((c) => c.name).filter((n) => n.includes("-file-acme-"));
      expect(files.sort()).to.deep.equal(["api-file-acme-install-sh", "api-file-acme-renew-sh"]);
      // Executable: lego runs its hook (install.sh) directly, and a 644 file is "permission denied".
      for (const file of files) expect(String(command(graph, file.slice("api-".length)).inputs.create)).to.include("mode='755'");
      expect(String(command(graph, "file-compose-yaml").inputs.create)).to.include("mode='644'");
      const site = String(command(graph, "file-nginx-conf-d-default-conf").inputs.stdin);
      expect(site).to.include("listen unix:/run/trafficlab-edge/https.sock ssl proxy_protocol default_server;").and.include("Strict-Transport-Security").and.include("return 301 https://api.example.com$request_uri;");
    });

    it("serves plain HTTP without one, and says so in the URL", async () => {
      const { host, graph } = await deploy();
      expect(await resolveOutput(host.url)).to.match(/^http:\/\//);
      const compose = String(command(graph, "file-compose-yaml").inputs.stdin);
      expect(compose).not.to.include("lego").and.not.to.include("443");
      expect(String(command(graph, "file-nginx-conf-d-default-conf").inputs.stdin)).not.to.include("ssl");
    });

    it("uses another ACME directory when given one (Let's Encrypt staging, a test CA)", async () => {
      const { graph } = await deploy({ https: { ...https, acmeServer: "https://acme-staging-v02.api.letsencrypt.org/directory" } });
      expect(String(command(graph, "file-compose-yaml").inputs.stdin)).to.include("ACME_SERVER: https://acme-staging-v02.api.letsencrypt.org/directory");
    });
  });

  describe("the host key", () => {
    it("is generated before the instance, installed by its user data and pinned by every connection", async () => {
      const { host, graph } = await deploy();
      const hostKey = graph.named("api-host-key");
      expect(hostKey.inputs.algorithm).to.equal("ED25519");
      const instance = graph.one("aws:ec2/instance:Instance");
      expect(instance.secretPaths).to.include("userData");
      const userData = String(instance.inputs.userData);
      expect(userData).to.match(/^#cloud-config\n/);
      expect(parseYaml(userData)).to.deep.equal({
        ssh_deletekeys: true,
        ssh_keys: { ed25519_private: hostKey.outputs.privateKeyOpenssh, ed25519_public: String(hostKey.outputs.publicKeyOpenssh).trim() },
      });
      // cloud-init installs keys at first boot only: a new key is a new instance.
      expect(instance.inputs.userDataReplaceOnChange).to.equal(true);
      const pinned = await resolveOutput(host.hostKey);
      expect(pinned).to.equal(String(hostKey.outputs.publicKeyOpenssh).trim());
      for (const step of graph.ofType(COMMAND)) expect((step.inputs.connection as { hostKey?: string }).hostKey, step.name).to.equal(pinned);
      expect(graph.plainUsesOf(String(hostKey.outputs.privateKeyOpenssh))).to.deep.equal([]);
    });

    it("waits for a booting instance only in the local host key check: every SSH step after it gives up on a refused dial in seconds", async () => {
      const { host, graph } = await deploy();
      const check = graph.one("command:local:Command", "api-host-key-check");
      const steps = graph.ofType(COMMAND);
      expect(steps.map((s) => s.name)).to.include.members(["api-install-docker", "api-pull-images"]);
      for (const step of steps) {
        const { dialErrorLimit, perDialTimeout } = step.inputs.connection as { dialErrorLimit?: number; perDialTimeout?: number };
        expect({ dialErrorLimit, perDialTimeout }, step.name).to.deep.equal(SSH_DIAL_BUDGET.runningHost);
        // Each step comes after the check, so sshd has answered, with the pinned key, before it dials.
        expect(graph.waitsFor(step, check), `${step.name} waits for the host key check`).to.equal(true);
      }
      // The check itself waits for the rule that lets this machine reach sshd.
      expect(graph.waitsFor(check, graph.named("api-sg-ssh-198-51-100-7-32")), "the check waits for the SSH rule").to.equal(true);
      expect((await resolveOutput(host.connection)).dialErrorLimit).to.equal(SSH_DIAL_BUDGET.runningHost.dialErrorLimit);
    });

    it("checks the host key from the deploying machine with the whole boot budget, against the pinned key, naming the key's URN", async () => {
      const { host, graph } = await deploy();
      const check = graph.one("command:local:Command", "api-host-key-check");
      expect(check.inputs.create).to.equal("bash -s");
      expect(check.inputs.addPreviousOutputInEnv).to.equal(false);
      expect(check.inputs.delete, "nothing to undo").to.equal(undefined);
      const script = String(check.inputs.stdin);
      const pinned = await resolveOutput(host.hostKey);
      const instance = graph.one("aws:ec2/instance:Instance");
      expect(script).to.include(`host='${String(instance.outputs.publicIp)}'`);
      expect(script).to.include(`pinned_host_key='${pinned}'`);
      expect(script).to.include(`scans='${HOST_KEY_SCAN_BUDGET.scans}'`);
      expect(script).to.include(`per_scan_timeout='${HOST_KEY_SCAN_BUDGET.perScanTimeout}'`);
      // In the message the script prints (hostKeyChangedMessage, tested on its own); shell-quoted here.
      expect(script).to.include(graph.named("api-host-key").urn);
      expect(graph.named("api-host-key").urn).to.match(/::api-host-key$/);
      expect(stampOf(script, STAMPS.host)).to.equal(instance.id);
      expect(stampOf(script, STAMPS.hostSteps)).to.match(/^[0-9a-f]{64}$/);
      // Neither private key travels with it: it holds public facts only.
      expect(script).to.not.include("PRIVATE KEY");
      expect(await pulumi.isSecret(host.nodes.hostKeyCheck.stdin)).to.equal(false);
    });

    it("runs the check again exactly when a host step will run: a new image or file changes its stamp, AppDeployment's settings do not", async () => {
      const stampIn = async (args: Partial<ApiHostDeployArgs>) => {
        const { graph } = await deploy(args);
        return stampOf(String(graph.one("command:local:Command", "api-host-key-check").inputs.stdin), STAMPS.hostSteps);
      };
      const first = await stampIn({});
      expect(await stampIn({}), "the same program: no change").to.equal(first);
      expect(await stampIn({ app: { image: "example/trafficlab-api:2.0.0" } }), "a new image: pull-images runs").to.not.equal(first);
      expect(await stampIn({ proxyImage: "nginx:1.29.3-alpine" }), "a new compose file: its file step runs").to.not.equal(first);
      expect(await stampIn({ app: { image: "example/trafficlab-api:1.0.0", registry: { server: "registry.example.com", username: "deploy", password: pulumi.secret("other-Password-1") } } }), "a registry login: pull's script").to.not.equal(first);
    });

    it("keeps the registry password out of the check's stamp (a changed password alone re-runs only the pull)", async () => {
      const login = (password: string) => ({ app: { image: "example/trafficlab-api:1.0.0", registry: { server: "registry.example.com", username: "deploy", password: pulumi.secret(password) } } });
      const one = await deploy(login("first-Password-1"));
      const two = await deploy(login("second-Password-2"));
      const stamp = (graph: ResourceGraph) => stampOf(String(graph.one("command:local:Command", "api-host-key-check").inputs.stdin), STAMPS.hostSteps);
      expect(stamp(two.graph)).to.equal(stamp(one.graph));
      expect(String(one.graph.one("command:local:Command", "api-host-key-check").inputs.stdin)).to.not.include("first-Password-1");
    });
  });

  describe("outputs", () => {
    it("give the URL, the SSH command, the instance and security group ids", async () => {
      const { host, graph } = await deploy();
      expect(await resolveOutput(host.url)).to.match(/^http:\/\/ec2-203-0-113-\d+\.ap-northeast-2\.compute\.amazonaws\.com\/$/);
      expect(await resolveOutput(host.sshCommand)).to.match(/^pulumi stack output --show-secrets sshPrivateKey > api\.pem && chmod 600 api\.pem && ssh -i api\.pem ec2-user@203\.0\.113\.\d+$/);
      expect(await resolveOutput(host.instanceId)).to.equal(graph.one("aws:ec2/instance:Instance").id);
      expect(await resolveOutput(host.securityGroupId)).to.equal(graph.one("aws:ec2/securityGroup:SecurityGroup").id);
    });
  });

  describe("bad input fails before any resource is registered", () => {
    let program: MockedProgram;
    beforeEach(() => (program = installMocks()));
    const reject = (args: Partial<ApiHostDeployArgs>, ...fragments: string[]) =>
      expectRejected(program, () => new ApiHost("api", { ...base, ...args }), 'trafficlab:api-host:ApiHost "api"', ...fragments);

    it("no SSH CIDR", () => reject({ sshAllowedCidrs: [] }, "sshAllowedCidrs", "Required", "no default"));
    it("SSH from anywhere", () => reject({ sshAllowedCidrs: ["0.0.0.0/0"] }, 'sshAllowedCidrs = "0.0.0.0/0"', "refused"));
    it("SSH from anywhere over IPv6", () => reject({ sshAllowedCidrs: ["::/0"] }, 'sshAllowedCidrs = "::/0"'));
    it("a malformed SSH CIDR", () => reject({ sshAllowedCidrs: ["198.51.100.7/33"] }, 'sshAllowedCidrs = "198.51.100.7/33"', "203.0.113.7/32"));
    it("an SSH CIDR that only inet_aton would read", () => reject({ sshAllowedCidrs: ["198.51.100/24"] }, 'sshAllowedCidrs = "198.51.100/24"', "203.0.113.7/32"));
    it("an unknown instance type", () => reject({ instanceType: "t9.huge" }, 'instanceType = "t9.huge"', "t3.micro"));
    it("an unknown OS", () => reject({ os: "ubuntu" as "al2023" }, 'os = "ubuntu"', "al2023, al2"));
    it("unknown CPU credits", () => reject({ cpuCredits: "infinite" as "standard" }, 'cpuCredits = "infinite"', "standard, unlimited"));
    it("a 4 GiB root volume", () => reject({ rootVolumeGiB: 4 }, "rootVolumeGiB = 4", "8 to 1024"));
    it("an image without a tag", () => reject({ app: { image: "example/trafficlab-api" } }, 'app.image = "example/trafficlab-api"', "version tag"));
    it("an image tagged latest", () => reject({ app: { image: "example/trafficlab-api:latest" } }, 'app.image = "example/trafficlab-api:latest"'));
    it("a plain registry password", () =>
      reject({ app: { image: "example/api:1.0.0", registry: { server: "docker.io", username: "u", password: "plain-pass" } } }, "app.registry.password", "Pulumi secret"));
    it("a relative project directory", () => reject({ projectDirectory: "opt/app" }, 'projectDirectory = "opt/app"', "absolute path"));
    const login = (username: string) => ({ app: { image: "example/api:1.0.0", registry: { server: "docker.io", username, password: pulumi.secret("Registry-Secret-9") } } });
    it("a registry user name with a space", () => reject(login("deploy user"), 'app.registry.username = "deploy user"', "no space"));
    it("a registry user name with a colon, which HTTP Basic authentication cannot send", () => reject(login("deploy:er"), 'app.registry.username = "deploy:er"', "RFC 7617"));
    it("accepts robot accounts' punctuation", async () => {
      for (const username of ["robot$ci", "org+bot", "ops@example.com", "AWS"]) expect(() => new ApiHost(`api-${username.length}`, { ...base, ...login(username) }), username).to.not.throw();
    });
  });
});
