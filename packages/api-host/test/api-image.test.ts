import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ApiImage } from "@trafficlab/api-host";
import { installMocks, resolveOutput } from "@trafficlab/testing";

describe("@trafficlab/api-host ApiImage", () => {
  it("builds for linux/amd64 with the document's DEPENDENCY build arg and deploys by the pushed digest", async () => {
    const program = installMocks();
    const image = new ApiImage("api-image", { context: "../trafficlab-api", imageName: "user/trafficlab-api:1.4.0" });
    const ref = await resolveOutput(image.imageRef);
    const graph = await program.settled();
    const build = graph.one("docker:index/image:Image");
    expect(build.inputs.imageName).to.equal("user/trafficlab-api:1.4.0");
    expect(build.inputs.build).to.deep.include({ context: "../trafficlab-api", platform: "linux/amd64", args: { DEPENDENCY: "build/dependency" } });
    expect(ref).to.match(/^user\/trafficlab-api@sha256:[0-9a-f]{64}$/);
  });

  it("pushes to a private registry with the password as a secret", async () => {
    const program = installMocks();
    new ApiImage("api-image", {
      context: ".",
      imageName: "registry.example.com/team/api:2.0.0",
      registry: { server: "registry.example.com", username: "deployer", password: pulumi.secret("Push-Secret-3") },
    });
    const graph = await program.settled();
    expect(graph.one("docker:index/image:Image").secretPaths).to.include("registry");
    expect(graph.plainUsesOf("Push-Secret-3")).to.deep.equal([]);
  });
});
