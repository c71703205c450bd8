import { expect } from "chai";
import { InvalidArgumentError } from "@trafficlab/validation";
import { renderNginxConf, renderUpstreamServer, withUpstreamInclude } from "@trafficlab/edge-proxy";

describe("@trafficlab/edge-proxy upstream file", () => {
  it("withUpstreamInclude swaps only the api_upstream server line for the include, keeping keepalive and the rest", () => {
    const files = renderNginxConf({ upstreamHost: "api", upstreamPort: 8080 });
    const included = withUpstreamInclude(files);
    expect(included["nginx.conf"]).to.equal(files["nginx.conf"]);
    expect(included["conf.d/default.conf"]).to.equal(
      files["conf.d/default.conf"].replace("    server api:8080;\n", "    include /etc/nginx/trafficlab/upstream.conf;\n"),
    );
    expect(included["conf.d/default.conf"]).to.match(/upstream api_upstream \{\n {4}include \/etc\/nginx\/trafficlab\/upstream\.conf;\n {4}keepalive \d+;\n/);
  });

  it("withUpstreamInclude refuses a path nginx would misread and a config that is not renderNginxConf's", () => {
    const files = renderNginxConf();
    expect(() => withUpstreamInclude(files, "upstream.conf")).to.throw(InvalidArgumentError, "includePath");
    expect(() => withUpstreamInclude(files, "/etc/nginx/a b.conf")).to.throw(InvalidArgumentError, "includePath");
    expect(() => withUpstreamInclude({ ...files, "conf.d/default.conf": "server { listen 80; }\n" })).to.throw(/0 api_upstream server lines/);
    expect(() => withUpstreamInclude(withUpstreamInclude(files))).to.throw(/0 api_upstream server lines/);
  });

  it("renderUpstreamServer writes one server line and refuses hosts and ports nginx would misread", () => {
    expect(renderUpstreamServer("trafficlab-api-green", 8080)).to.equal("server trafficlab-api-green:8080;\n");
    expect(() => renderUpstreamServer("api; include /etc/passwd", 8080)).to.throw(InvalidArgumentError, "host");
    expect(() => renderUpstreamServer("", 8080)).to.throw(InvalidArgumentError, "host");
    expect(() => renderUpstreamServer("api", 0)).to.throw(InvalidArgumentError, "port");
  });
});
