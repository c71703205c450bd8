import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { componentLabel, InvalidArgumentError } from "@trafficlab/validation";
import type { RegistryCredentials } from "./host-settings";

export const API_IMAGE_TYPE = "trafficlab:api-host:ApiImage";

/** What a build context must be, said after the problem. */
export const BUILD_CONTEXT_ALLOWED = "a directory with a Dockerfile (docker build's context), absolute or relative to the directory pulumi runs in (the project's)";

/**
 * Why `docker build` could not start from `context`, or undefined: a missing directory, a file,
 * or (with the default Dockerfile) no Dockerfile in it. Checked before any resource, since
 * @pulumi/docker finds out only during `pulumi up`, after the host and data tier are under way.
 */
export function buildContextProblem(context: string, dockerfile?: string): string | undefined {
  const path = resolve(context);
  const kind = (file: string) => {
    try {
      return statSync(file).isDirectory() ? "directory" : "file";
    } catch {
      return undefined;
    }
  };
  const found = kind(path);
  if (found === undefined) return `there is no such directory (${path})`;
  if (found === "file") return `${path} is a file, not a directory`;
  // A named Dockerfile is the caller's to place (@pulumi/docker reads it relative to the program, not the context).
  if (dockerfile === undefined && kind(join(path, "Dockerfile")) !== "file") return `${path} has no Dockerfile`;
  return undefined;
}

export interface ApiImageArgs {
  /** Directory with the Dockerfile and the Gradle build output. Required. */
  context: string;
  /** Repository and tag to push, e.g. `user/trafficlab-api:1.4.0`. Required. */
  imageName: string;
  /** Default `Dockerfile` in the context. */
  dockerfile?: string;
  /** Default `linux/amd64`, what the EC2 host runs (also when building on an arm64 laptop). */
  platform?: string;
  /** Default `{ DEPENDENCY: "build/dependency" }`, the document's unpacked Spring Boot layers. */
  buildArgs?: Record<string, string>;
  /** Where to push; default: the registry named in imageName, with the local docker login. */
  registry?: RegistryCredentials;
}

/**
 * Builds the API image from a local project and pushes it, as the design document does by hand.
 * `imageRef` is the pushed digest (`repo@sha256:...`): a rebuild that changes the image redeploys,
 * an unchanged one does not.
 */
export class ApiImage extends pulumi.ComponentResource {
  readonly imageRef: pulumi.Output<string>;

  constructor(name: string, args: ApiImageArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before super(): a context docker cannot build registers nothing.
    const problem = typeof args.context === "string" ? buildContextProblem(args.context, args.dockerfile) : "it is not a path";
    if (problem) throw new InvalidArgumentError(componentLabel(API_IMAGE_TYPE, name), "context", args.context, `${problem}. Allowed: ${BUILD_CONTEXT_ALLOWED}.`);
    super(API_IMAGE_TYPE, name, {}, opts);
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: args.imageName,
        build: {
          context: args.context,
          dockerfile: args.dockerfile,
          platform: args.platform ?? "linux/amd64",
          args: args.buildArgs ?? { DEPENDENCY: "build/dependency" },
        },
        registry: args.registry ? { server: args.registry.server, username: args.registry.username, password: pulumi.secret(args.registry.password) } : undefined,
      },
      { parent: this },
    );
    this.imageRef = image.repoDigest;
    this.registerOutputs({ imageRef: this.imageRef });
  }
}
