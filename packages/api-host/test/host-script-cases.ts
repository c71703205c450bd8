import {
  hostKeyCheckScript,
  composeDownScript,
  composeUpScript,
  edgeDeployScript,
  edgeTeardownScript,
  installDockerScript,
  pullImagesScript,
  removeFileScript,
  rollingDeployScript,
  rollingTeardownScript,
  writeFileScript,
} from "@trafficlab/api-host";

/** One rendering of a host script: its `.sh` file, and the golden file `test/golden/<name>.sh`. */
export interface HostScriptCase {
  name: string;
  file: string;
  render(): string;
}

const DIGEST = `123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/api@sha256:${"a".repeat(64)}`;

/** Every script the package renders, with its defaults and with every option set. */
export const HOST_SCRIPT_CASES: HostScriptCase[] = [
  { name: "install-docker.defaults", file: "install-docker.sh", render: () => installDockerScript() },
  {
    name: "install-docker.options",
    file: "install-docker.sh",
    render: () => installDockerScript({ user: "deploy", composePlugin: { version: "2.39.4", sha256: { x86_64: "1".repeat(64), aarch64: "2".repeat(64) } } }),
  },
  { name: "write-file.defaults", file: "write-file.sh", render: () => writeFileScript("/opt/trafficlab/compose.yaml") },
  { name: "write-file.options", file: "write-file.sh", render: () => writeFileScript("/opt/trafficlab/api.env", "600") },
  { name: "remove-file", file: "remove-file.sh", render: () => removeFileScript("/opt/trafficlab/acme/renew.sh") },
  { name: "pull-images.defaults", file: "pull-images.sh", render: () => pullImagesScript() },
  {
    name: "pull-images.options",
    file: "pull-images.sh",
    render: () =>
      pullImagesScript({ projectDir: "/srv/app", registry: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com", username: "o'brien", images: ["example/trafficlab-api:1.4.0", DIGEST] }),
  },
  { name: "compose-up.defaults", file: "compose-up.sh", render: () => composeUpScript() },
  {
    name: "compose-up.options",
    file: "compose-up.sh",
    render: () => composeUpScript({ projectDir: "/srv/app", waitTimeoutSeconds: 30, lockFile: "/run/lock/app.lock", lockTimeoutSeconds: 60, pollSeconds: 1, requiredFiles: [".env", "nginx/conf.d/default.conf"] }),
  },
  { name: "compose-down.defaults", file: "compose-down.sh", render: () => composeDownScript() },
  { name: "compose-down.options", file: "compose-down.sh", render: () => composeDownScript({ projectDir: "/srv/app", lockFile: "/run/lock/app.lock", lockTimeoutSeconds: 5 }) },
  { name: "rolling-deploy.defaults", file: "rolling-deploy.sh", render: () => rollingDeployScript({ image: "trafficlab/api:1.4.0" }) },
  {
    name: "rolling-deploy.options",
    file: "rolling-deploy.sh",
    render: () =>
      rollingDeployScript({
        image: DIGEST,
        projectDir: "/srv/app",
        healthTimeoutSeconds: 60,
        pollSeconds: 5,
        drainSeconds: 0,
        stopTimeoutSeconds: 0,
        network: "app-net",
        containerPrefix: "app",
        environment: { TZ: "UTC", SPRING_PROFILES_ACTIVE: "prod", QUOTE: "it's $(reboot) `id` C:\\temp\\" },
        envFile: "secrets/app.env",
        envFromStdin: true,
        serviceAlias: "app-live",
        pruneImages: false,
        stateDir: "state",
        apiPort: 9000,
        healthPath: "/health?deep=true",
        lockFile: "/run/lock/app.lock",
        lockTimeoutSeconds: 60,
      }),
  },
  { name: "rolling-deploy.awslogs", file: "rolling-deploy.sh", render: () => rollingDeployScript({ image: "trafficlab/api:1.4.0", logs: { region: "ap-northeast-2", stack: "prod" } }) },
  { name: "edge-deploy.defaults", file: "edge-deploy.sh", render: () => edgeDeployScript({ image: "nginx:1.28.0-alpine" }) },
  {
    name: "edge-deploy.options",
    file: "edge-deploy.sh",
    render: () =>
      edgeDeployScript({ image: "nginx:1.29.3-alpine", projectDir: "/srv/app", https: true, logs: { region: "ap-northeast-2", stack: "prod" }, drainSeconds: 0, healthTimeoutSeconds: 10, stopTimeoutSeconds: 0 }),
  },
  { name: "edge-teardown.defaults", file: "edge-teardown.sh", render: () => edgeTeardownScript() },
  { name: "edge-teardown.options", file: "edge-teardown.sh", render: () => edgeTeardownScript({ projectDir: "/srv/app" }) },
  { name: "rolling-teardown.defaults", file: "rolling-teardown.sh", render: () => rollingTeardownScript() },
  {
    name: "rolling-teardown.options",
    file: "rolling-teardown.sh",
    render: () => rollingTeardownScript({ projectDir: "/srv/app", envFile: "secrets/app.env", network: "app-net", containerPrefix: "app", stateDir: "state", lockFile: "/run/lock/app.lock", lockTimeoutSeconds: 60 }),
  },
  {
    name: "check-host-key.defaults",
    file: "check-host-key.sh",
    render: () =>
      hostKeyCheckScript({
        host: "203.0.113.10",
        pinnedHostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        hostKeyUrn: "urn:pulumi:dev::trafficlab::trafficlab:api-host:ApiHost$tls:index/privateKey:PrivateKey::dev-api-host-key",
      }),
  },
  {
    name: "check-host-key.options",
    file: "check-host-key.sh",
    render: () =>
      hostKeyCheckScript({
        host: "ec2-203-0-113-10.ap-northeast-2.compute.amazonaws.com",
        port: 2222,
        pinnedHostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl host",
        hostKeyUrn: "urn:pulumi:prod::trafficlab::trafficlab:api-host:ApiHost$tls:index/privateKey:PrivateKey::prod-api-host-key",
        budget: { scans: 5, perScanTimeout: 3 },
      }),
  },
];
