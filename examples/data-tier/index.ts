import * as pulumi from "@pulumi/pulumi";
import { dataTier } from "./data-tier";

// The only reader of the stack's config; dataTier() takes plain arguments, so tests call it directly.
const config = new pulumi.Config();
const tier = dataTier(pulumi.getStack(), {
  vpcId: config.require("vpcId"),
  privateSubnetIds: config.requireObject<string[]>("privateSubnetIds"),
  appSecurityGroupId: config.require("appSecurityGroupId"),
  databaseClass: config.get("databaseClass"),
  tags: { Project: pulumi.getProject(), Stack: pulumi.getStack() },
});

export const databaseEndpoint = tier.outputs.databaseEndpoint;
export const databasePasswordSecretArn = tier.outputs.databasePasswordSecretArn;
export const cacheUrl = tier.outputs.cacheUrl;
export const cacheUsername = tier.outputs.cacheUsername;
export const cachePassword = tier.outputs.cachePassword;
