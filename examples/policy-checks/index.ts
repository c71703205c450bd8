import * as pulumi from "@pulumi/pulumi";
import { reportingDatabase } from "./reporting-database";

const config = new pulumi.Config();
export const { endpoint } = reportingDatabase(pulumi.getStack(), {
  vpcId: config.require("vpcId"),
  privateSubnetIds: config.requireObject<string[]>("privateSubnetIds"),
  appSecurityGroupId: config.require("appSecurityGroupId"),
});
