import * as pulumi from "@pulumi/pulumi";

/** One `registerResource` request, as the engine would have received it. */
export interface RegisteredResource {
  urn: string;
  type: string;
  name: string;
  /** false for component resources */
  custom: boolean;
  parent: string | undefined;
  /** inputs with secrets unwrapped; `secretPaths` says which ones were secret */
  inputs: Record<string, unknown>;
  /** dotted paths (`password`, `ingress.0.cidrBlocks`) of inputs sent as secrets */
  secretPaths: string[];
  /** URNs this resource waits for: explicit dependsOn plus every Output it consumes */
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  protect: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  deleteBeforeReplace: boolean;
  /** As set on the resource; undefined means inherited from its parent, which the engine does (see retainsOnDelete). */
  retainOnDelete: boolean | undefined;
  /** the state the mocks answered with */
  outputs: Record<string, unknown>;
  id: string;
}

export interface CapturedCall {
  token: string;
  inputs: Record<string, unknown>;
}

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Unwraps the SDK's secret envelopes and reports the path of every secret it unwrapped. */
export function unwrapSecrets(value: unknown, path: string, secretPaths: string[]): unknown {
  if (Array.isArray(value)) return value.map((item, index) => unwrapSecrets(item, join(path, String(index)), secretPaths));
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG_KEY] === SECRET_SIG) {
      secretPaths.push(path);
      return unwrapSecrets(record.value, path, []);
    }
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, unwrapSecrets(item, join(path, key), secretPaths)]));
  }
  return value;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Every resource a program registered under the mocks, and questions tests ask of them. */
export class ResourceGraph {
  readonly resources: RegisteredResource[] = [];
  readonly calls: CapturedCall[] = [];

  byUrn(urn: string): RegisteredResource {
    const found = this.resources.find((r) => r.urn === urn);
    if (!found) throw new Error(`no resource registered with URN ${urn}`);
    return found;
  }

  ofType(type: string): RegisteredResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of this type (whose name ends with `nameSuffix`, if given); throws unless exactly one. */
  one(type: string, nameSuffix = ""): RegisteredResource {
    const matches = this.ofType(type).filter((r) => r.name.endsWith(nameSuffix));
    if (matches.length !== 1) {
      const names = this.ofType(type).map((r) => r.name).join(", ") || "none";
      throw new Error(`expected one ${type} named *${nameSuffix}, found ${matches.length} (registered: ${names})`);
    }
    return matches[0]!;
  }

  named(name: string): RegisteredResource {
    const found = this.resources.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
    return found[0]!;
  }

  childrenOf(parent: RegisteredResource): RegisteredResource[] {
    return this.resources.filter((r) => r.parent === parent.urn);
  }

  /** Whether Pulumi leaves the resource in the cloud when it deletes it: its own retainOnDelete, else its nearest ancestor's (the engine's rule). */
  retainsOnDelete(resource: RegisteredResource): boolean {
    for (let r: RegisteredResource | undefined = resource; r; r = r.parent ? this.resources.find((p) => p.urn === r!.parent) : undefined) {
      if (r.retainOnDelete !== undefined) return r.retainOnDelete;
    }
    return false;
  }

  /** Type and name of each resource, sorted: a compact fingerprint of what a program creates. */
  inventory(): string[] {
    return this.resources.map((r) => `${r.type} ${r.name}`).sort();
  }

  /** Every URN `resource` waits for, directly or through other resources. */
  transitiveDependencies(resource: RegisteredResource): Set<string> {
    const seen = new Set<string>();
    const stack = [...resource.dependencies];
    while (stack.length > 0) {
      const urn = stack.pop()!;
      if (seen.has(urn)) continue;
      seen.add(urn);
      const next = this.resources.find((r) => r.urn === urn);
      if (next) stack.push(...next.dependencies, ...this.resources.filter((r) => r.parent === urn).map((r) => r.urn));
    }
    return seen;
  }

  /** Whether `dependent` cannot be created before `dependency` exists. */
  waitsFor(dependent: RegisteredResource, dependency: RegisteredResource): boolean {
    return this.transitiveDependencies(dependent).has(dependency.urn);
  }

  /**
   * The ingress rules that admit `port` (standalone SecurityGroupIngressRule resources and
   * inline `ingress` blocks), flattened to one shape.
   */
  ingressRules(port?: number): IngressRule[] {
    const rules: IngressRule[] = [];
    for (const r of this.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
      rules.push({
        resource: r,
        securityGroupId: String(r.inputs.securityGroupId),
        fromPort: Number(r.inputs.fromPort ?? -1),
        toPort: Number(r.inputs.toPort ?? -1),
        cidrIpv4: r.inputs.cidrIpv4 as string | undefined,
        cidrIpv6: r.inputs.cidrIpv6 as string | undefined,
        sourceSecurityGroupId: r.inputs.referencedSecurityGroupId as string | undefined,
      });
    }
    for (const r of this.ofType("aws:ec2/securityGroup:SecurityGroup")) {
      for (const block of (r.inputs.ingress as Record<string, unknown>[] | undefined) ?? []) {
        const groups = (block.securityGroups as string[] | undefined) ?? [];
        const cidrs = [...((block.cidrBlocks as string[] | undefined) ?? []), ...((block.ipv6CidrBlocks as string[] | undefined) ?? [])];
        for (const source of [...cidrs.map((c) => ({ cidr: c })), ...groups.map((g) => ({ group: g }))]) {
          rules.push({
            resource: r,
            securityGroupId: String(r.id),
            fromPort: Number(block.fromPort),
            toPort: Number(block.toPort),
            cidrIpv4: "cidr" in source && !source.cidr.includes(":") ? source.cidr : undefined,
            cidrIpv6: "cidr" in source && source.cidr.includes(":") ? source.cidr : undefined,
            sourceSecurityGroupId: "group" in source ? source.group : undefined,
          });
        }
      }
    }
    return port === undefined ? rules : rules.filter((rule) => admitsPort(rule, port));
  }

  /** Resources whose inputs contain `secretValue` outside an input sent as a secret. */
  plainUsesOf(secretValue: string): { resource: RegisteredResource; path: string }[] {
    const hits: { resource: RegisteredResource; path: string }[] = [];
    for (const resource of this.resources) {
      visitStrings(resource.inputs, "", (path, text) => {
        const insideSecret = resource.secretPaths.some((p) => path === p || path.startsWith(p + "."));
        if (!insideSecret && text.includes(secretValue)) hits.push({ resource, path });
      });
    }
    return hits;
  }
}

export interface IngressRule {
  resource: RegisteredResource;
  securityGroupId: string;
  fromPort: number;
  toPort: number;
  cidrIpv4: string | undefined;
  cidrIpv6: string | undefined;
  sourceSecurityGroupId: string | undefined;
}

function admitsPort(rule: IngressRule, port: number): boolean {
  if (rule.fromPort === -1 && rule.toPort === -1) return true; // protocol "-1": every port
  return rule.fromPort <= port && port <= rule.toPort;
}

function visitStrings(value: unknown, path: string, visit: (path: string, text: string) => void): void {
  if (typeof value === "string") visit(path, value);
  else if (Array.isArray(value)) value.forEach((item, i) => visitStrings(item, join(path, String(i)), visit));
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) visitStrings(item, join(path, key), visit);
  }
}

/** Resolves an Output (or plain input) to its value; tests await this instead of asserting inside apply(). */
export function resolveOutput<T>(input: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => {
    pulumi.output(input).apply((value) => {
      resolve(value);
      return value;
    });
  });
}

export async function isSecretOutput<T>(input: pulumi.Output<T>): Promise<boolean> {
  return pulumi.isSecret(input);
}
