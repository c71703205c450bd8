import { expect } from "chai";
import { parse } from "yaml";
import { secretLookingValues } from "@trafficlab/policies";
import { composeUpScript, installDockerScript, pullImagesScript, renderHostProject, rollingDeployScript } from "@trafficlab/api-host";
import {
  BOOT_DONE_MARKER,
  BOOT_UNIT,
  USER_DATA_LIMIT_BYTES,
  decodeUserData,
  encodeUserData,
  renderBootScript,
  renderBootUnit,
  renderCloudConfig,
  type UserDataOptions,
} from "@trafficlab/fleet";
import { USER_DATA_OPTIONS } from "./user-data-options";


interface WriteFile {
  path: string;
  owner: string;
  permissions: string;
  content: string;
}

/** The cloud-config as cloud-init's PyYAML reads it (YAML 1.1: 0644 would be an octal number, `on` a boolean). */
function parsed(text: string): { write_files: WriteFile[]; runcmd: string[][] } {
  return parse(text, { version: "1.1" }) as { write_files: WriteFile[]; runcmd: string[][] };
}

describe("@trafficlab/fleet user data", () => {
  const text = renderCloudConfig(USER_DATA_OPTIONS);
  const config = parsed(text);
  const file = (path: string) => config.write_files.find((f) => f.path === path)!;

  it("is one #cloud-config of write_files and runcmd", () => {
    expect(text.startsWith("#cloud-config\n")).to.equal(true);
    expect(Object.keys(config).sort()).to.deep.equal(["runcmd", "write_files"]);
    // The unit is ordered after cloud-final, which runs these: --no-block, or it would wait for itself.
    expect(config.runcmd).to.deep.equal([
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", BOOT_UNIT],
      ["systemctl", "start", "--no-block", BOOT_UNIT],
    ]);
  });

  it("writes the single host's compose project and nginx config, from renderHostProject", () => {
    const project = renderHostProject({ projectDirectory: "/opt/trafficlab" });
    for (const hostFile of project.files) {
      expect(file(hostFile.path), hostFile.path).to.deep.equal({ path: hostFile.path, owner: "root:root", permissions: "0644", content: hostFile.content });
    }
    // nginx sends traffic to the name the blue/green deploy moves, resolving it again every second.
    expect(file("/opt/trafficlab/nginx/conf.d/default.conf").content).to.include("server trafficlab-api-blue:8080 resolve;").and.include("server trafficlab-api-green:8080 resolve;");
  });

  it("writes the single host's scripts, as api-host renders them, for root only", () => {
    const bin = "/opt/trafficlab/bin";
    const expected: Record<string, string> = {
      "install-docker.sh": installDockerScript(),
      "pull-images.sh": pullImagesScript({ projectDir: "/opt/trafficlab", images: ["example/api:1.4.0"] }),
      "compose-up.sh": composeUpScript({ projectDir: "/opt/trafficlab" }),
      "rolling-deploy.sh": rollingDeployScript({
        projectDir: "/opt/trafficlab",
        image: "example/api:1.4.0",
        environment: {
          SPRING_PROFILES_ACTIVE: "prod",
          TZ: "Asia/Seoul",
          SPRING_DATASOURCE_URL: "jdbc:mysql://db.abc.ap-northeast-2.rds.amazonaws.com:3306/trafficlab?sslMode=REQUIRED&characterEncoding=UTF-8",
          SPRING_DATASOURCE_USERNAME: "admin",
          SPRING_DATA_REDIS_HOST: "master.tokens.abc.apne2.cache.amazonaws.com",
          SPRING_DATA_REDIS_PORT: "6379",
          SPRING_DATA_REDIS_SSL_ENABLED: "true",
        },
        healthPath: "/actuator/health",
        envFromStdin: true,
      }),
    };
    for (const [name, script] of Object.entries(expected)) {
      expect(file(`${bin}/${name}`), name).to.deep.equal({ path: `${bin}/${name}`, owner: "root:root", permissions: "0700", content: script });
    }
    expect(file(`${bin}/boot.sh`).content).to.equal(renderBootScript({ ...USER_DATA_OPTIONS, projectDirectory: "/opt/trafficlab" }));
    expect(file(`/etc/systemd/system/${BOOT_UNIT}`)).to.deep.equal({ path: `/etc/systemd/system/${BOOT_UNIT}`, owner: "root:root", permissions: "0644", content: renderBootUnit("/opt/trafficlab") });
  });

  it("names the secrets' parameters and versions, never a value", () => {
    const boot = file("/opt/trafficlab/bin/boot.sh").content;
    expect(boot).to.include(
      "secret_parameters=('SPRING_DATASOURCE_PASSWORD /trafficlab/prod/prod-api/database-password' 'SPRING_DATA_REDIS_PASSWORD /trafficlab/prod/prod-api/cache-password' 'SPRING_DATA_REDIS_USERNAME /trafficlab/prod/prod-api/cache-username')",
    );
    expect(boot).to.include("secret_versions='cache-password v1, cache-username v1, database-password v3'");
    expect(boot).to.include("region='ap-northeast-2'").and.include("registry_password_parameter=''");
    // Nothing a secret scan would take for a secret assigned in plain text (the policy pack's no-secrets-in-plain-inputs).
    expect(secretLookingValues(text)).to.deep.equal([]);
  });

  it("runs the boot after cloud-init, at every boot until one completed, with its output on the console", () => {
    const unit = renderBootUnit("/opt/trafficlab");
    expect(unit).to.include("After=cloud-final.service").and.include("Type=oneshot").and.include("ExecStart=/bin/bash /opt/trafficlab/bin/boot.sh").and.include("StandardOutput=journal+console");
    // Enabled, so a reboot during the first boot starts it again; skipped once boot.sh wrote its marker.
    expect(unit).to.include("[Install]\n").and.match(/\nWantedBy=cloud-init\.target\n/);
    expect(unit).to.include(`ConditionPathExists=!/opt/trafficlab/${BOOT_DONE_MARKER}`);
    expect(renderBootScript({ ...USER_DATA_OPTIONS, projectDirectory: "/opt/trafficlab" })).to.include(`done_marker='/opt/trafficlab/${BOOT_DONE_MARKER}'`);
  });

  it("fits EC2's 16 KB once gzipped, and decodes back to the same text", () => {
    const encoded = encodeUserData(text);
    const bytes = Buffer.from(encoded, "base64");
    expect(bytes.length).to.be.below(USER_DATA_LIMIT_BYTES);
    expect(Buffer.byteLength(text)).to.be.above(USER_DATA_LIMIT_BYTES, "the scripts alone are larger than 16 KB: why it is gzipped");
    expect(decodeUserData(encoded)).to.equal(text);
    expect(decodeUserData(Buffer.from("#cloud-config\n{}\n").toString("base64"))).to.equal("#cloud-config\n{}\n");
  });

  it("is the same bytes for the same config on any machine: no timestamp in the gzip header", () => {
    const bytes = Buffer.from(encodeUserData(text), "base64");
    expect([...bytes.subarray(0, 4)]).to.deep.equal([0x1f, 0x8b, 8, 0]);
    expect(bytes.readUInt32LE(4)).to.equal(0);
    expect(encodeUserData(renderCloudConfig(USER_DATA_OPTIONS))).to.equal(encodeUserData(text));
  });

  it("changes with what must roll out (image, endpoints, secret versions) and nothing else", () => {
    const base = encodeUserData(text);
    const variants: Partial<UserDataOptions>[] = [
      { image: "example/api:1.4.1" },
      { database: { ...USER_DATA_OPTIONS.database!, host: "db2.abc.ap-northeast-2.rds.amazonaws.com" } },
      { secretVersions: { ...USER_DATA_OPTIONS.secretVersions, "/trafficlab/prod/prod-api/database-password": 4 } },
    ];
    for (const variant of variants) expect(encodeUserData(renderCloudConfig({ ...USER_DATA_OPTIONS, ...variant }))).not.to.equal(base);
    // Key order of the inputs does not matter.
    const reordered = { ...USER_DATA_OPTIONS, secretParameters: Object.fromEntries(Object.entries(USER_DATA_OPTIONS.secretParameters).reverse()) };
    expect(encodeUserData(renderCloudConfig(reordered))).to.equal(base);
  });

  it("logs in to a private registry with the password it reads at boot", () => {
    const config = parsed(renderCloudConfig({ ...USER_DATA_OPTIONS, registry: { server: "registry.example.com", username: "deployer", passwordParameter: "/trafficlab/prod/prod-api/registry-password" } }));
    const pull = config.write_files.find((f) => f.path.endsWith("/pull-images.sh"))!.content;
    expect(pull).to.equal(pullImagesScript({ projectDir: "/opt/trafficlab", registry: "registry.example.com", username: "deployer", images: ["example/api:1.4.0"] }));
    expect(config.write_files.find((f) => f.path.endsWith("/boot.sh"))!.content).to.include("registry_password_parameter='/trafficlab/prod/prod-api/registry-password'");
  });

  describe("refuses", () => {
    const refuse = (options: Partial<UserDataOptions>, fragment: string) => expect(() => renderCloudConfig({ ...USER_DATA_OPTIONS, ...options })).to.throw(fragment);
    it("the latest image", () => refuse({ image: "example/api:latest" }, 'image = "example/api:latest"'));
    it("a Region that is not one", () => refuse({ region: "seoul" }, 'region = "seoul"'));
    it("a variable name with a dash", () => refuse({ secretParameters: { "DB-PASSWORD": "/a/b" } }, 'secretParameters = "DB-PASSWORD"'));
    it("a parameter name that is not a path", () => refuse({ secretParameters: { DB_PASSWORD: "db password" } }, 'secretParameters.DB_PASSWORD = "db password"'));
    it("user data over 16 KB, even gzipped", () => expect(() => encodeUserData(Array.from({ length: 6000 }, (_, i) => `${i * 7919 % 9973}-${i}`).join(" "))).to.throw("16384"));
  });
});
