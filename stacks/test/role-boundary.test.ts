import { expect } from "chai";
import { stackRoleBoundary, type PolicyDocument, type PolicyStatement } from "@trafficlab/ci";
import { MOCK_ACCOUNT_ID, type ResourceGraph } from "@trafficlab/testing";
import { runStack } from "./dev-stack";

const k = (key: string) => `trafficlab:${key}`;
const BOUNDARY = `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/ci-github-stack-role-boundary`;
// Slack on, so the Chatbot role is there too; prod's fleetMetrics auto is on (the AMP write), dev's hostMetrics on (the alerts' publish).
const WITH_BOUNDARY = { [k("iamPermissionsBoundary")]: BOUNDARY, [k("hostMetrics")]: "on", [k("alarmSlackWorkspaceId")]: "T0123456789", [k("alarmSlackChannelId")]: "C0123456789" };

const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM's wildcard match of an action or ARN pattern (`*` any run, `?` one character). */
function matches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return regex.test(value);
}

/** Whether the boundary allows this action on this resource (no conditions in it or in the stacks' policies). */
function boundaryAllows(boundary: PolicyDocument, action: string, resource: string): boolean {
  return boundary.Statement.some((s) => s.Effect === "Allow" && list(s.Action).some((a) => matches(a, action)) && list(s.Resource).some((r) => matches(r, resource)));
}

/** Every statement the stack's roles are given: their RolePolicy resources and inline policies. */
function roleStatements(graph: ResourceGraph): PolicyStatement[] {
  const documents = [
    ...graph.ofType("aws:iam/rolePolicy:RolePolicy").map((p) => String(p.inputs.policy)),
    ...graph.ofType("aws:iam/role:Role").flatMap((r) => ((r.inputs.inlinePolicies as { policy: string }[] | undefined) ?? []).map((p) => p.policy)),
  ];
  return documents.flatMap((d) => (JSON.parse(d) as PolicyDocument).Statement);
}

describe("the stacks' IAM roles carry iamPermissionsBoundary (the ci stack's boundary)", () => {
  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: every aws:iam/role:Role has the boundary when the setting is given, and none without it`, async () => {
      const { graph } = await runStack(stack, WITH_BOUNDARY);
      const roles = graph.ofType("aws:iam/role:Role");
      expect(roles.map((r) => r.name)).to.include(`${stack}-api-chatbot`);
      expect(roles.length).to.be.at.least(2);
      for (const role of roles) expect(role.inputs.permissionsBoundary, role.name).to.equal(BOUNDARY);
      const { graph: unbounded } = await runStack(stack);
      for (const role of unbounded.ofType("aws:iam/role:Role")) expect(role.inputs, role.name).not.to.have.property("permissionsBoundary");
    });

    it(`${stack}: the boundary allows every action the stack's roles are given, on their resources`, async () => {
      const { graph } = await runStack(stack, WITH_BOUNDARY);
      const boundary = stackRoleBoundary({ accountId: MOCK_ACCOUNT_ID, region: "ap-northeast-2", project: "trafficlab", stacks: ["dev", "prod"] });
      const statements = roleStatements(graph);
      expect(statements.length).to.be.at.least(2);
      for (const statement of statements) {
        expect(statement.Effect).to.equal("Allow");
        expect(statement.Condition, statement.Sid).to.equal(undefined);
        for (const action of list(statement.Action)) {
          for (const resource of list(statement.Resource)) expect(boundaryAllows(boundary, action, resource), `${statement.Sid}: ${action} on ${resource}`).to.equal(true);
        }
      }
    });
  }
});
