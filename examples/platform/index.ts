import * as pulumi from "@pulumi/pulumi";
import { platform } from "./platform";

// The only reader of the stack's config; platform() takes plain arguments, so tests call it directly.
const config = new pulumi.Config();
const outputs = platform(pulumi.getStack(), {
  sshAllowedCidrs: config.requireObject<string[]>("sshAllowedCidrs"),
  apiImage: config.require("apiImage"),
});

export const url = outputs.url;
export const sshCommand = outputs.sshCommand;
export const previousImage = outputs.previousImage;
export const databaseEndpoint = outputs.databaseEndpoint;
export const cachePrimaryEndpoint = outputs.cachePrimaryEndpoint;
export const databasePassword = outputs.databasePassword;
