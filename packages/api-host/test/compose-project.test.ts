import { expect } from "chai";
import { parse } from "yaml";
import { InvalidArgumentError } from "@trafficlab/validation";
import { edgeProxyService } from "@trafficlab/edge-proxy";
import { dataTierEnvironment, renderComposeProject } from "@trafficlab/api-host";

interface Project {
  name: string;
  services: Record<string, { ports?: string[]; networks?: string[]; image: string }>;
  networks?: Record<string, { name: string; external: boolean }>;
}

const DATABASE = { host: "trafficlab-db.abc123.ap-northeast-2.rds.amazonaws.com", name: "trafficlab", username: "admin" };
const CACHE = { host: "master.trafficlab-tokens.abc123.apn2.cache.amazonaws.com" };
const nginx = edgeProxyService({ upstreamService: null, networks: ["default", "api"] });

describe("@trafficlab/api-host renderComposeProject", () => {
  it("holds nginx as given, joined to the API's external network, and no API service", () => {
    const project = parse(renderComposeProject({ services: { nginx }, externalNetworks: { api: "trafficlab-api" } })) as Project;
    expect(project.name).to.equal("trafficlab");
    expect(Object.keys(project.services)).to.deep.equal(["nginx"]);
    expect(project.services.nginx).to.deep.equal(JSON.parse(JSON.stringify(nginx)));
    expect(project.networks).to.deep.equal({ api: { name: "trafficlab-api", external: true } });
  });

  it("publishes only nginx's port: nothing else on the host is reachable from outside", () => {
    const project = parse(renderComposeProject({ services: { nginx } })) as Project;
    expect(Object.entries(project.services).filter(([, s]) => s.ports).map(([n, s]) => `${n} ${s.ports!.join(",")}`)).to.deep.equal(["nginx 80:80"]);
    expect(project).not.to.have.property("networks");
  });

  it("refuses no services, bad names and bad networks, naming the setting and the value", () => {
    expect(() => renderComposeProject({ services: {} })).to.throw(InvalidArgumentError, "services");
    expect(() => renderComposeProject({ services: { "bad name": {} } })).to.throw(InvalidArgumentError, 'services = "bad name"');
    expect(() => renderComposeProject({ projectName: "Traffic Lab", services: { nginx } })).to.throw(InvalidArgumentError, 'projectName = "Traffic Lab"');
    expect(() => renderComposeProject({ services: { nginx }, externalNetworks: { api: "a b" } })).to.throw(InvalidArgumentError, "externalNetworks");
  });
});

describe("@trafficlab/api-host dataTierEnvironment", () => {
  it("builds the JDBC URL with TLS required, and the Redis host, port and TLS", () => {
    expect(dataTierEnvironment(DATABASE, CACHE)).to.deep.equal({
      SPRING_DATASOURCE_URL: "jdbc:mysql://trafficlab-db.abc123.ap-northeast-2.rds.amazonaws.com:3306/trafficlab?sslMode=REQUIRED&characterEncoding=UTF-8",
      SPRING_DATASOURCE_USERNAME: "admin",
      SPRING_DATA_REDIS_HOST: "master.trafficlab-tokens.abc123.apn2.cache.amazonaws.com",
      SPRING_DATA_REDIS_PORT: "6379",
      SPRING_DATA_REDIS_SSL_ENABLED: "true",
    });
  });

  it("takes other ports and parameters, and refuses hosts with ports and unsafe names", () => {
    const environment = dataTierEnvironment({ ...DATABASE, port: 3307, jdbcParameters: { sslMode: "VERIFY_IDENTITY" } }, { ...CACHE, port: 6380, tls: false });
    expect(environment.SPRING_DATASOURCE_URL).to.equal("jdbc:mysql://trafficlab-db.abc123.ap-northeast-2.rds.amazonaws.com:3307/trafficlab?sslMode=VERIFY_IDENTITY");
    expect(environment.SPRING_DATA_REDIS_PORT).to.equal("6380");
    expect(environment.SPRING_DATA_REDIS_SSL_ENABLED).to.equal("false");
    expect(() => dataTierEnvironment({ ...DATABASE, host: "db:3306" })).to.throw(InvalidArgumentError, "database.host");
    expect(() => dataTierEnvironment({ ...DATABASE, name: "app;drop" })).to.throw(InvalidArgumentError, "database.name");
  });
});
