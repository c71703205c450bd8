import { expect } from "chai";
import { parse } from "yaml";
import { InvalidArgumentError } from "@trafficlab/validation";
import { edgeProxyService } from "@trafficlab/edge-proxy";
import { dataTierEnvironment, renderComposeProject, renderEnvFile, validateImageReference, type ComposeProjectOptions } from "@trafficlab/api-host";

interface Service {
  image: string;
  restart: string;
  env_file: Array<{ path: string; required: boolean }>;
  environment: Record<string, string>;
  expose: string[];
  ports?: string[];
  healthcheck: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
  logging: { driver: string; options: Record<string, string> };
}
interface Project {
  name: string;
  services: Record<string, Service>;
}

const DATABASE = { host: "trafficlab-db.abc123.ap-northeast-2.rds.amazonaws.com", name: "trafficlab", username: "admin" };
const CACHE = { host: "master.trafficlab-tokens.abc123.apn2.cache.amazonaws.com" };

function render(options: Partial<ComposeProjectOptions> = {}): Project {
  return parse(renderComposeProject({ image: "example/trafficlab-api:1.4.0", ...options })) as Project;
}

function rejects(options: Partial<ComposeProjectOptions>, argument: string): InvalidArgumentError {
  try {
    renderComposeProject({ image: "example/trafficlab-api:1.4.0", ...options });
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).to.equal(argument);
    return error as InvalidArgumentError;
  }
  throw new Error(`renderComposeProject accepted ${JSON.stringify(options)}`);
}

describe("@trafficlab/api-host renderComposeProject", () => {
  it("runs the api image with restart unless-stopped, exposed on 8080 to the compose network only", () => {
    const { name, services } = render();
    expect(name).to.equal("trafficlab");
    const api = services.api!;
    expect(api.image).to.equal("example/trafficlab-api:1.4.0");
    expect(api.restart).to.equal("unless-stopped");
    expect(api.expose).to.deep.equal(["8080"]);
    expect(api).not.to.have.property("ports");
  });

  it("checks health on /actuator/health with wget or curl, whichever the JRE image has", () => {
    const { healthcheck } = render().services.api!;
    expect(healthcheck.test).to.deep.equal([
      "CMD-SHELL",
      "wget -qO /dev/null 'http://127.0.0.1:8080/actuator/health' || curl -fsS -o /dev/null 'http://127.0.0.1:8080/actuator/health'",
    ]);
    expect(healthcheck.start_period).to.equal("90s");
    expect(render({ healthPath: "/health/readiness", apiPort: 9090 }).services.api!.healthcheck.test[1]).to.include("http://127.0.0.1:9090/health/readiness");
  });

  it("sets only non-secret variables: profile, TZ, datasource URL and user, Redis host, port and TLS", () => {
    const api = render({ database: DATABASE, cache: CACHE }).services.api!;
    expect(api.environment).to.deep.equal({
      SPRING_PROFILES_ACTIVE: "prod",
      TZ: "Asia/Seoul",
      SPRING_DATASOURCE_URL: "jdbc:mysql://trafficlab-db.abc123.ap-northeast-2.rds.amazonaws.com:3306/trafficlab?sslMode=REQUIRED&characterEncoding=UTF-8",
      SPRING_DATASOURCE_USERNAME: "admin",
      SPRING_DATA_REDIS_HOST: "master.trafficlab-tokens.abc123.apn2.cache.amazonaws.com",
      SPRING_DATA_REDIS_PORT: "6379",
      SPRING_DATA_REDIS_SSL_ENABLED: "true",
    });
    expect(Object.keys(api.environment).some((key) => /PASSWORD|TOKEN|SECRET/.test(key))).to.equal(false);
  });

  it("leaves the data-tier settings to the env file when no endpoints are given", () => {
    expect(render({ springProfile: "dev", timeZone: "UTC" }).services.api!.environment).to.deep.equal({ SPRING_PROFILES_ACTIVE: "dev", TZ: "UTC" });
  });

  it("reads the secrets from .env, which may be missing for pull and down", () => {
    expect(render().services.api!.env_file).to.deep.equal([{ path: ".env", required: false }]);
    const secrets = renderEnvFile({ SPRING_DATASOURCE_PASSWORD: "Db-Pa55word", SPRING_DATA_REDIS_PASSWORD: "redis-auth-token-1234567890" });
    const text = renderComposeProject({ image: "example/trafficlab-api:1.4.0", database: DATABASE, cache: CACHE });
    expect(secrets).to.include("Db-Pa55word");
    expect(text).not.to.include("Db-Pa55word");
    expect(text).not.to.include("redis-auth-token");
  });

  it("rotates the API's json-file logs so a long test cannot fill the disk", () => {
    expect(render().services.api!.logging).to.deep.equal({ driver: "json-file", options: { "max-size": "10m", "max-file": "5" } });
  });

  it("adds the nginx service from @trafficlab/edge-proxy as given, which is the only one publishing a port", () => {
    const nginx = edgeProxyService();
    const { services } = render({ extraServices: { nginx } });
    expect(Object.keys(services)).to.deep.equal(["api", "nginx"]);
    expect(services.nginx).to.deep.equal(JSON.parse(JSON.stringify(nginx)));
    expect(Object.entries(services).filter(([, service]) => service.ports).map(([name]) => name)).to.deep.equal(["nginx"]);
  });

  it("accepts private-registry and digest references", () => {
    for (const image of [
      "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/trafficlab/api:1.4.0",
      "registry.example.com:5000/team/api:2025.11.24-3",
      "localhost:5000/api:dev-1",
      `example/trafficlab-api@sha256:${"a".repeat(64)}`,
      `example/trafficlab-api:1.4.0@sha256:${"0".repeat(64)}`,
      "nginx:1.28.0-alpine",
    ]) {
      expect(render({ image }).services.api!.image).to.equal(image);
    }
  });

  it("refuses latest, a missing tag and malformed references, naming image, the value and what is allowed", () => {
    for (const image of ["example/trafficlab-api:latest", "example/trafficlab-api", "Example/API:1.0", "example/api:1.0 ; reboot", "example/api@sha256:abc", ""]) {
      const error = rejects({ image }, "image");
      expect(error.message).to.include(JSON.stringify(image));
      expect(error.message).to.include("version tag or a digest");
    }
    expect(() => validateImageReference("ApiHost", "app.image", "user/api:latest")).to.throw(InvalidArgumentError, 'ApiHost: app.image = "user/api:latest" is not allowed');
  });

  it("refuses values that would be unsafe in the healthcheck command or in compose", () => {
    rejects({ healthPath: "/health'; reboot; '" }, "healthPath");
    rejects({ healthPath: "/health/$HOME" }, "healthPath");
    rejects({ timeZone: "Asia/Seoul; reboot" }, "timeZone");
    rejects({ springProfile: "prod dev" }, "springProfile");
    rejects({ apiPort: 70000 }, "apiPort");
    rejects({ extraServices: { api: {} } }, "extraServices");
    rejects({ database: { ...DATABASE, host: "db:3306" } }, "database.host");
    rejects({ database: { ...DATABASE, name: "app;drop" } }, "database.name");
  });
});

describe("@trafficlab/api-host dataTierEnvironment", () => {
  it("builds the JDBC URL with TLS required and the given port and parameters", () => {
    const environment = dataTierEnvironment({ ...DATABASE, port: 3307, jdbcParameters: { sslMode: "VERIFY_IDENTITY" } }, { ...CACHE, port: 6380, tls: false });
    expect(environment.SPRING_DATASOURCE_URL).to.equal("jdbc:mysql://trafficlab-db.abc123.ap-northeast-2.rds.amazonaws.com:3307/trafficlab?sslMode=VERIFY_IDENTITY");
    expect(environment.SPRING_DATA_REDIS_PORT).to.equal("6380");
    expect(environment.SPRING_DATA_REDIS_SSL_ENABLED).to.equal("false");
  });
});

describe("@trafficlab/api-host renderEnvFile", () => {
  it("writes sorted KEY='value' lines that compose reads literally", () => {
    expect(renderEnvFile({ SPRING_DATA_REDIS_PASSWORD: "tok$en#1 x", SPRING_DATASOURCE_PASSWORD: "Pa55word" })).to.equal(
      "SPRING_DATASOURCE_PASSWORD='Pa55word'\nSPRING_DATA_REDIS_PASSWORD='tok$en#1 x'\n",
    );
    expect(renderEnvFile({})).to.equal("");
  });

  it("double-quotes a value with a single quote, escaping backslash, double quote and dollar", () => {
    expect(renderEnvFile({ P: `it's "a" \\ $HOME` })).to.equal(`P="it's \\"a\\" \\\\ \\$HOME"\n`);
  });

  it("refuses newlines and values compose cannot read back, without showing the value", () => {
    for (const value of ["line1\nline2", "cr\r", "ends-with\\"]) {
      try {
        renderEnvFile({ SPRING_DATASOURCE_PASSWORD: value });
        expect.fail(`accepted ${JSON.stringify(value)}`);
      } catch (error) {
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect((error as Error).message).to.include("SPRING_DATASOURCE_PASSWORD");
        expect((error as Error).message).to.include("<value not shown>");
        expect((error as Error).message).not.to.include(value);
      }
    }
    expect(() => renderEnvFile({ "BAD KEY": "x" })).to.throw(InvalidArgumentError, "BAD KEY");
    expect(() => renderEnvFile({ "1ST": "x" })).to.throw(InvalidArgumentError, "1ST");
  });
});
