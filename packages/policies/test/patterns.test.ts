import { expect } from "chai";
import { admitsTcpPort, composeImages, environmentOf, floatingImageProblem, holdsComposeFile, ingressRulesOf, internetCidrs, secretLookingValues } from "@trafficlab/policies";

describe("image references", () => {
  it("finds the image lines of a compose file, quoted or not, and nothing in other text", () => {
    const compose = "name: x\nservices:\n  api:\n    image: a/b:1.0\n  db:\n    image: 'mysql:8.4'  # pinned\n  web:\n    image: \"nginx\"\n";
    expect(holdsComposeFile(compose)).to.equal(true);
    expect(composeImages(compose)).to.deep.equal(["a/b:1.0", "mysql:8.4", "nginx"]);
    expect(holdsComposeFile("SERVICES=1\nimage: x\n")).to.equal(false);
  });

  const CASES: [string, string | undefined][] = [
    ["example/api:1.4.0", undefined],
    ["registry.example.com:5000/team/api:2024-06-01", undefined],
    [`example/api@sha256:${"c".repeat(64)}`, undefined],
    [`sha256:${"d".repeat(64)}`, undefined],
    ["${API_IMAGE}", undefined],
    ["example/api", "has no tag, so Docker pulls `latest`"],
    ["registry.example.com:5000/api", "has no tag, so Docker pulls `latest`"],
    ["example/api:latest", "is tagged `latest`"],
    ["nginx:LATEST", "is tagged `latest`"],
    ["example/api:", "has no tag, so Docker pulls `latest`"],
  ];
  for (const [reference, problem] of CASES) {
    it(`${reference} -> ${problem ?? "pinned"}`, () => expect(floatingImageProblem(reference)).to.equal(problem));
  }
});

describe("secret-looking values", () => {
  const kinds = (text: string) => secretLookingValues(text).map((m) => `${m.kind}: ${m.hint}`);

  it("finds credentials and names them without their value", () => {
    const text = [
      "DB_PASSWORD=correct-horse",
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG",
      "docker login --password=hunter2hunter2",
      "AKIAIOSFODNN7EXAMPLE",
      "-----BEGIN EC PRIVATE KEY-----",
      "redis_url: rediss://:t0ken-value@cache:6379",
      `ghp_${"x".repeat(36)}`,
    ].join("\n");
    const found = kinds(text);
    expect(found).to.deep.equal([
      "a password or secret assigned in plain text: DB_PASSWORD=…",
      "a password or secret assigned in plain text: aws_secret_access_key=…",
      "a password given on a command line: --password …",
      "an AWS access key id: AKIA…",
      "a private key: -----BEGIN EC PRIVATE KEY-----",
      "a URL with a password in it: rediss://…:…@",
      "a GitHub token: ghp_…",
    ]);
    expect(found.join("\n")).not.to.include("correct-horse");
  });

  it("ignores references, safe forms and ordinary shell", () => {
    const text = [
      'PASSWORD="$1"',
      "SPRING_DATASOURCE_PASSWORD: ${DB_PASSWORD}",
      "docker login --password-stdin registry",
      'docker login --password "$REGISTRY_PASSWORD"',
      "mkdir -p /opt/trafficlab",
      "healthcheck: wget -qO- http://127.0.0.1:8080/actuator/health",
      "ssh://git@github.com/org/repo",
      "# Secrets are in .env (mode 600), not here.",
      "SPRING_DATA_REDIS_HOST=master.dev-tokens-group.apn2.cache.amazonaws.com",
    ].join("\n");
    expect(kinds(text)).to.deep.equal([]);
  });
});

describe("ingress rules", () => {
  it("flattens inline, standalone and legacy rules and tells which admit a port from anywhere", () => {
    const inline = ingressRulesOf("aws:ec2/securityGroup:SecurityGroup", {
      ingress: [
        { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        { protocol: "-1", fromPort: 0, toPort: 0, securityGroups: ["sg-1"] },
      ],
    });
    expect(inline.map((r) => [r.where, internetCidrs(r), admitsTcpPort(r, 80), admitsTcpPort(r, 3306)])).to.deep.equal([
      ["ingress[0]", ["0.0.0.0/0", "::/0"], true, false],
      ["ingress[1]", [], true, true],
    ]);
    const standalone = ingressRulesOf("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { ipProtocol: "udp", fromPort: 3306, toPort: 3306, cidrIpv4: "0.0.0.0/0" });
    expect(admitsTcpPort(standalone[0]!, 3306)).to.equal(false);
    expect(ingressRulesOf("aws:ec2/securityGroupRule:SecurityGroupRule", { type: "egress", protocol: "-1", cidrBlocks: ["0.0.0.0/0"] })).to.deep.equal([]);
  });
});

describe("environment", () => {
  it("takes the policy config, else reads the stack name from the URN", () => {
    expect(environmentOf({ environment: "prod" }, "urn:pulumi:dev::trafficlab::x::y")).to.equal("prod");
    expect(environmentOf({}, "urn:pulumi:prod::trafficlab::x::y")).to.equal("prod");
    expect(environmentOf({}, "urn:pulumi:production-eu::trafficlab::x::y")).to.equal("prod");
    expect(environmentOf({}, "urn:pulumi:staging::trafficlab::x::y")).to.equal("dev");
  });
});
