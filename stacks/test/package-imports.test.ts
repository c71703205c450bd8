import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Each package as another Pulumi project imports it: by name, through its package.json. */
const PACKAGES: Record<string, string[]> = {
  "@trafficlab/network": ["Network", "planSubnets", "NETWORK_DEFAULTS"],
  "@trafficlab/database": ["Database", "DATABASE_DEFAULTS"],
  "@trafficlab/token-cache": ["TokenCache", "TOKEN_CACHE_DEFAULTS", "smallestNodeTypeFor"],
  "@trafficlab/edge-proxy": ["renderNginxConf", "edgeProxyService"],
  "@trafficlab/api-host": ["ApiHost", "AppDeployment", "ApiImage", "installDockerScript"],
  "@trafficlab/validation": ["InvalidArgumentError"],
  "@trafficlab/testing": ["installMocks", "ResourceGraph"],
};

describe("packages import by name, as another project would", () => {
  for (const [name, exported] of Object.entries(PACKAGES)) {
    it(`${name} exports ${exported.join(", ")}`, () => {
      // require(), as Pulumi's runner loads a CommonJS program.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(name) as Record<string, unknown>;
      for (const symbol of exported) expect(module, `${name}.${symbol}`).to.have.property(symbol);
    });

    it(`${name} points main, types and exports at files that exist, and publishes dist/`, () => {
      const manifestPath = require.resolve(`${name}/package.json`, { paths: [join(__dirname, "..")] });
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
      const root = dirname(manifestPath);
      // `main`/`types` serve `moduleResolution: node`, which ignores `exports`.
      for (const entry of [manifest.main, manifest.types, manifest.exports["."].types, manifest.exports["."].default]) {
        expect(existsSync(join(root, entry)), `${name}: ${entry}`).to.equal(true);
      }
      expect(manifest.publishConfig.main).to.equal("dist/src/index.js");
      expect(manifest.publishConfig.types).to.equal("dist/src/index.d.ts");
      for (const peer of Object.keys(manifest.peerDependencies ?? {})) expect(peer).to.match(/^@pulumi\//);
    });
  }
});
