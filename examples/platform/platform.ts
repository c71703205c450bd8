import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ApiHost, AppDeployment, dataTierEnvironment } from "@trafficlab/api-host";
import { Database } from "@trafficlab/database";
import type { NginxOptions } from "@trafficlab/edge-proxy";
import { Network } from "@trafficlab/network";
import { TokenCache } from "@trafficlab/token-cache";

export interface PlatformArgs {
  /** Who may SSH to the host. */
  sshAllowedCidrs: string[];
  /** The API's image, `user/image:tag`. */
  apiImage: string;
  /** nginx settings over @trafficlab/edge-proxy's defaults. */
  nginx?: NginxOptions;
  /** HTTPS with a Let's Encrypt certificate for this domain (it must point at the host); without it, plain HTTP. */
  https?: { domain: string; email: string };
}

/** This project's nginx: uploads up to 50 MB and reports that may take two minutes to render. */
export const NGINX_SETTINGS: NginxOptions = { clientMaxBodySize: "50m", proxyReadTimeout: "120s", gzipMinLength: 512 };

/**
 * The whole platform, as the trafficlab stack builds it: a VPC without NAT, the API host in a
 * public subnet running the API behind nginx, and RDS MySQL and ElastiCache Valkey in the private
 * subnets admitting only the host's security group; the API is deployed once both exist.
 */
export function platform(name: string, args: PlatformArgs) {
  const network = new Network(`${name}-network`, { availabilityZoneCount: 2, nat: "none" });
  const host = new ApiHost(`${name}-api`, {
    vpcId: network.vpcId,
    subnetId: network.publicSubnetIds.apply((ids) => ids[0]!),
    internetAccess: network.publicInternetAccess,
    sshAllowedCidrs: args.sshAllowedCidrs,
    app: { image: args.apiImage },
    proxy: { ...NGINX_SETTINGS, ...args.nginx },
    https: args.https,
  });
  const dataTier = { vpcId: network.vpcId, subnetIds: network.privateSubnetIds, allowedSecurityGroupIds: [host.securityGroupId] };
  const databasePassword = new random.RandomPassword(`${name}-db-password`, { length: 32, special: false }).result;
  const database = new Database(`${name}-db`, { ...dataTier, password: databasePassword });
  const tokenCache = new TokenCache(`${name}-tokens`, dataTier);
  const app = new AppDeployment(
    `${name}-app`,
    {
      host,
      environment: pulumi
        .all([database.address, database.port, database.databaseName, database.username, tokenCache.primaryEndpoint, tokenCache.port])
        .apply(([address, port, databaseName, username, cacheHost, cachePort]) => ({
          ...dataTierEnvironment({ host: address, port, name: databaseName, username }, { host: cacheHost, port: cachePort }),
          SPRING_DATASOURCE_PASSWORD: databasePassword,
          SPRING_DATA_REDIS_USERNAME: tokenCache.username,
          SPRING_DATA_REDIS_PASSWORD: tokenCache.password,
        })),
    },
    { dependsOn: [database, tokenCache] },
  );
  return {
    url: host.url,
    sshCommand: host.sshCommand,
    previousImage: app.previousImage,
    databaseEndpoint: database.endpoint,
    cachePrimaryEndpoint: tokenCache.primaryEndpoint,
    databasePassword: pulumi.secret(databasePassword),
  };
}
