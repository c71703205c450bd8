import type { Operation } from "@trafficlab/plan/src/lifecycle/model";
import type { RegisteredResource, ResourceGraph } from "@trafficlab/testing";
import { DOCKER, docker, run, type E2eRun } from "./world";

/**
 * The cloud's side of an `up`, in the e2e world: each operation on a resource that is not a
 * command is mapped to what AWS would do to the things the API can observe. An EC2 instance is a
 * host container; the RDS instance is MariaDB (its master password, changed as RDS changes it);
 * the ElastiCache users and their membership in the user group are Valkey ACL users, switched on
 * only once in the group, as ElastiCache does. Everything else (VPC, subnets, security groups,
 * parameter groups, random values, keys) has nothing to observe here: it is logged, not acted on.
 */

export interface StepContext {
  operation: Operation;
  /** The resource's record in the state before this `up` (undefined for a create). */
  before: RegisteredResource | undefined;
  /** Its record in the new program (undefined for a delete). */
  after: RegisteredResource | undefined;
  beforeGraph: ResourceGraph;
  afterGraph: ResourceGraph;
}

type Inputs = Record<string, unknown>;

export class CloudStandIns {
  private dataTier = false;
  /** The next instance boots with a cloud-config that installs no host key (cloud-init generates its own), once. */
  bootWithoutHostKey = false;

  /** `log` prints what the stand-ins do; `note` only records what they had nothing to do for. */
  constructor(
    private readonly world: E2eRun,
    private readonly log: (line: string) => void,
    private readonly note: (line: string) => void = log,
  ) {}

  async apply(context: StepContext): Promise<void> {
    const { operation } = context;
    const forward = operation.step === "create" || operation.step === "create-replacement" || operation.step === "update";
    switch (operation.type) {
      case "aws:ec2/instance:Instance":
        return forward ? this.instance(context) : this.terminate(context.before!);
      case "aws:rds/instance:Instance":
        return forward ? this.database(context) : this.removeContainer(this.world.mysqlContainer, "RDS instance");
      case "aws:elasticache/replicationGroup:ReplicationGroup":
        if (forward) return this.ensureDataTier(context.afterGraph);
        return this.removeContainer(this.world.valkeyContainer, "ElastiCache replication group");
      case "aws:elasticache/user:User":
        return forward ? this.cacheUser(context) : this.cacheUserDeleted(context.before!);
      case "aws:elasticache/userGroupAssociation:UserGroupAssociation":
        return forward ? this.joinGroup(context) : this.leaveGroup(context);
      default:
        this.note(`cloud: ${operation.step} ${operation.name} (${operation.type}): nothing to stand in for`);
    }
  }

  /**
   * A new instance is a new host container, at the address the mocks gave it, booted as EC2
   * boots one: cloud-init gets the instance's user data (the stack's cloud-config with the host
   * key) and meta-data (its instance id, the key pair's public key for ec2-user) and applies
   * them at first boot.
   */
  private async instance({ operation, before, after, afterGraph }: StepContext): Promise<void> {
    const ip = String(after!.outputs.publicIp);
    if (operation.step === "update") {
      const changed = before && String(before.inputs.instanceType) !== String(after!.inputs.instanceType) ? " (an instance type change would stop and start it)" : "";
      this.log(`cloud: update ${operation.name} at ${ip}: nothing to stand in for${changed}`);
      return;
    }
    const keyName = after!.inputs.keyName;
    const keyPairs = afterGraph.ofType("aws:ec2/keyPair:KeyPair");
    const keyPair = keyPairs.find((k) => k.outputs.keyName === keyName) ?? (keyPairs.length === 1 ? keyPairs[0] : undefined);
    if (!keyPair) throw new Error(`cloud: no key pair ${String(keyName)} for ${operation.name}`);
    const given = typeof after!.inputs.userData === "string" ? after!.inputs.userData : "";
    // A machine that is not the one the stack made answers at the address: cloud-init makes its own keys.
    const userData = this.bootWithoutHostKey ? "#cloud-config\nssh_deletekeys: true\n" : given;
    if (this.bootWithoutHostKey) this.log(`cloud: ${operation.name} boots WITHOUT the stack's user data (the scenario's foreign host): its sshd presents keys of its own`);
    this.bootWithoutHostKey = false;
    const host = await this.world.startHost(ip, {
      instanceId: after!.id,
      userData,
      publicKey: String(keyPair.inputs.publicKey),
    });
    this.log(
      `cloud: ${operation.step} ${operation.name} ${after!.id}: host container ${host.container} at ${ip} (http on 127.0.0.1:${host.httpPort}, https on 127.0.0.1:${host.httpsPort}); user data: ${userData ? `${userData.split("\n")[0]} (${userData.length} characters)` : "none"}`,
    );
  }

  private async terminate(before: RegisteredResource): Promise<void> {
    const ip = String(before.outputs.publicIp);
    await this.world.stopHost(ip);
    this.log(`cloud: terminated ${before.name} ${before.id} (host container at ${ip} removed)`);
  }

  /**
   * MariaDB and Valkey start with the first data-tier step, MariaDB with the database, user and
   * password of the graph's RDS instance, as RDS creates them. Valkey's stand-in user `app` that
   * lib/data-tier.sh makes is removed: the graph's users come with their own steps.
   */
  private async ensureDataTier(graph: ResourceGraph): Promise<void> {
    if (this.dataTier) return;
    const rds = graph.ofType("aws:rds/instance:Instance")[0];
    if (!rds) throw new Error("cloud: the data tier starts with the graph's RDS instance, and there is none");
    const { dbName, username, password } = rds.inputs as Inputs;
    // lib/data-tier.sh creates these two names, RDS the graph's; they must be the same.
    if (dbName !== "trafficlab" || username !== "admin") throw new Error(`cloud: the e2e MariaDB has database trafficlab and user admin; the graph asks for ${String(dbName)} and ${String(username)}`);
    if (typeof password !== "string") throw new Error("cloud: the RDS instance has no password input (manageMasterUserPassword is not modelled)");
    this.world.secretFile("mysql-password", password);
    await this.world.lib("data-tier.sh", ["start", "--cache-auth", "rbac"], { timeoutMs: 240_000 });
    await this.valkeyAdmin(["ACL DELUSER app"]);
    this.dataTier = true;
    this.log(`cloud: data tier up: MariaDB ${this.world.mysqlIp} (database ${dbName}, user ${username}, the graph's password), Valkey ${this.world.valkeyIp} (TLS, default user off)`);
  }

  private async database({ operation, before, after, afterGraph }: StepContext): Promise<void> {
    await this.ensureDataTier(afterGraph);
    if (operation.step !== "update") return;
    const password = (after!.inputs as Inputs).password;
    if (before && password !== (before.inputs as Inputs).password && typeof password === "string") {
      await this.setMysqlPassword(String(after!.inputs.username), password);
      this.world.secretFile("mysql-password", password);
      this.log(`cloud: update ${operation.name}: master password changed`);
    } else {
      this.log(`cloud: update ${operation.name}: nothing to stand in for`);
    }
  }

  /** As `aws rds modify-db-instance --master-user-password`: the new password on stdin. */
  async setMysqlPassword(user: string, password: string): Promise<void> {
    await docker(["exec", "-i", this.world.mysqlContainer, "e2e-mysql-set-password", user], { input: `${password}\n` });
  }

  /** ACL commands on Valkey as its admin (lines on stdin: the passwords in them are no argument). */
  async valkeyAdmin(lines: string[]): Promise<void> {
    await docker(["exec", "-i", this.world.valkeyContainer, "e2e-valkey-admin"], { input: lines.map((l) => `${l}\n`).join("") });
  }

  /** An ElastiCache user's rules as Valkey ACL rules: its access string, and its passwords or nopass. */
  private aclRules(user: RegisteredResource, enabled: boolean): string {
    const inputs = user.inputs as Inputs;
    const mode = (inputs.authenticationMode ?? {}) as Inputs;
    const passwords = ((mode.passwords as string[] | undefined) ?? []).map((p) => `>${p}`);
    const access = String(inputs.accessString ?? "off -@all")
      .split(/\s+/)
      .filter((token) => token !== "on" && token !== "off");
    const on = enabled && String(inputs.accessString).split(/\s+/).includes("on");
    return ["reset", on ? "on" : "off", ...access, ...(mode.type === "no-password-required" ? ["nopass"] : passwords)].join(" ");
  }

  /**
   * A user exists beside the cluster; it can log in only once in a group the cluster uses. The
   * `default` user is in the group from its creation (the group's userIds), so it is applied now.
   */
  private async cacheUser({ operation, after, afterGraph }: StepContext): Promise<void> {
    await this.ensureDataTier(afterGraph);
    const user = after!;
    const userName = String(user.inputs.userName);
    if (userName === "default") {
      await this.valkeyAdmin([`ACL SETUSER default ${this.aclRules(user, true)}`]);
      this.log(`cloud: ${operation.step} ${operation.name}: Valkey's default user set to "${String(user.inputs.accessString)}"`);
      return;
    }
    const member = afterGraph.ofType("aws:elasticache/userGroupAssociation:UserGroupAssociation").some((a) => a.inputs.userId === user.inputs.userId);
    if (operation.step === "update" && member) await this.valkeyAdmin([`ACL SETUSER ${userName} ${this.aclRules(user, true)}`]);
    this.log(`cloud: ${operation.step} ${operation.name}: user ${userName}${operation.step === "update" && member ? " updated" : " exists, not in the group yet"}`);
  }

  private async cacheUserDeleted(before: RegisteredResource): Promise<void> {
    const userName = String(before.inputs.userName);
    if (userName === "default" || !(await this.running(this.world.valkeyContainer))) return this.log(`cloud: delete ${before.name}: nothing to do`);
    await this.valkeyAdmin([`ACL DELUSER ${userName}`]);
    this.log(`cloud: delete ${before.name}: user ${userName} deleted`);
  }

  private userOf(graph: ResourceGraph, userId: unknown): RegisteredResource {
    const user = graph.ofType("aws:elasticache/user:User").find((u) => u.inputs.userId === userId);
    if (!user) throw new Error(`cloud: no ElastiCache user ${String(userId)} in the graph`);
    return user;
  }

  /** In the group: the user can log in with its password. */
  private async joinGroup({ operation, after, afterGraph }: StepContext): Promise<void> {
    await this.ensureDataTier(afterGraph);
    const user = this.userOf(afterGraph, after!.inputs.userId);
    await this.valkeyAdmin([`ACL SETUSER ${String(user.inputs.userName)} ${this.aclRules(user, true)}`]);
    this.log(`cloud: ${operation.step} ${operation.name}: ${String(user.inputs.userName)} joins the user group and can log in`);
  }

  /** Out of the group: the user's logins stop working (and its connections close), as when ElastiCache drops it. */
  private async leaveGroup({ operation, before, beforeGraph }: StepContext): Promise<void> {
    if (!(await this.running(this.world.valkeyContainer))) return this.log(`cloud: ${operation.step} ${operation.name}: the cache is gone already`);
    const user = this.userOf(beforeGraph, before!.inputs.userId);
    await this.valkeyAdmin([`ACL DELUSER ${String(user.inputs.userName)}`]);
    this.log(`cloud: ${operation.step} ${operation.name}: ${String(user.inputs.userName)} leaves the user group and can no longer log in`);
  }

  private async running(container: string): Promise<boolean> {
    return (await run(DOCKER, ["inspect", "--format", "{{.State.Running}}", container])).stdout.trim() === "true";
  }

  private async removeContainer(container: string, what: string): Promise<void> {
    await run(DOCKER, ["rm", "-f", "-v", container]);
    this.log(`cloud: deleted the ${what} (${container} removed)`);
    // Both gone (a destroy): the next up from nothing starts a new data tier, as it creates new RDS and ElastiCache.
    const left = await Promise.all([this.world.mysqlContainer, this.world.valkeyContainer].map(async (c) => (await run(DOCKER, ["inspect", c])).code === 0));
    if (!left.includes(true)) this.dataTier = false;
  }

  /** A real TLS login to MariaDB as the graph's user with `password` (lib/data-tier.sh mysql-check). */
  async mysqlAccepts(password: string): Promise<boolean> {
    const file = this.world.secretFile("mysql-password.check", password);
    return this.world.lib("data-tier.sh", ["mysql-check", file]).then(
      () => true,
      () => false,
    );
  }

  /** AUTH + PING over TLS as `user`, verifying the server certificate. */
  async cacheAccepts(user: string, password: string): Promise<boolean> {
    const result = await run(
      DOCKER,
      ["exec", "-i", this.world.valkeyContainer, "valkey-cli", "--tls", "--cacert", "/run/valkey/tls/ca.pem", "-h", this.world.valkeyIp, "-p", "6379"],
      { input: `AUTH ${user} ${password}\nPING\n` },
    );
    return result.stdout.replace(/\r/g, "").trim().split("\n").join(" ") === "OK PONG";
  }
}
