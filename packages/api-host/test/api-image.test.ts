import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ApiImage } from "@trafficlab/api-host";
import { expectRejected, installMocks, resolveOutput } from "@trafficlab/testing";

describe("@trafficlab/api-host ApiImage", () => {
  it("builds for linux/amd64 with the document's DEPENDENCY build arg and deploys by the pushed digest", async () => {
    const program = installMocks();
    // A directory with a Dockerfile: the e2e tier's stand-in API.
    const image = new ApiImage("api-image", { context: "e2e/images/api", imageName: "user/trafficlab-api:1.4.0" });
    const ref = await resolveOutput(image.imageRef);
    const graph = await program.settled();
    const build = graph.one("docker:index/image:Image");
    expect(build.inputs.imageName).to.equal("user/trafficlab-api:1.4.0");
    expect(build.inputs.build).to.deep.include({ context: "e2e/images/api", platform: "linux/amd64", args: { DEPENDENCY: "build/dependency" } });
    expect(ref).to.match(/^user\/trafficlab-api@sha256:[0-9a-f]{64}$/);
  });

  it("pushes to a private registry with the password as a secret", async () => {
    const program = installMocks();
    new ApiImage("api-image", {
      context: "e2e/images/api",
      imageName: "registry.example.com/team/api:2.0.0",
      registry: { server: "registry.example.com", username: "deployer", password: pulumi.secret("Push-Secret-3") },
    });
    const graph = await program.settled();
    expect(graph.one("docker:index/image:Image").secretPaths).to.include("registry");
    expect(graph.plainUsesOf("Push-Secret-3")).to.deep.equal([]);
  });

  it("refuses a context docker build cannot start from, before any resource", async () => {
    const build = (context: string, dockerfile?: string) => () => new ApiImage("api-image", { context, imageName: "user/trafficlab-api:1.4.0", dockerfile });
    await expectRejected(installMocks(), build("../no-such-api"), 'trafficlab:api-host:ApiImage "api-image"', 'context = "../no-such-api"', "there is no such directory", "a directory with a Dockerfile");
    await expectRejected(installMocks(), build("packages"), 'context = "packages"', "has no Dockerfile");
    await expectRejected(installMocks(), build("package.json"), "is a file, not a directory");
    // A named Dockerfile is the caller's to place: only the directory is checked then.
    expect(() => build("packages", "packages/api-host/Dockerfile.custom")()).to.not.throw();
  });
});
