import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { RegistryCredentials } from "./host-settings";

export const API_IMAGE_TYPE = "trafficlab:api-host:ApiImage";

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
