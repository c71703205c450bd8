import { expect } from "chai";
import { recordStack, type RecordedStack } from "../src/record-stack";
import { planSettingsChange } from "../src/lifecycle/settings-change";
import { buildChangeReport, renderChangeReport, VERDICT_EXIT_CODES } from "../src/lifecycle/report";
import { PROVIDER_KEY_CASES, SECRET_RULES, SETTING_RULES, type SettingCase } from "../src/lifecycle/setting-rules";

/**
 * Every case of the rule table (src/lifecycle/setting-rules.ts), every setting and provider key,
 * through the real plan: dev (hosting single) and prod (hosting fleet), each from one recording
 * of its stack, the verdict and exit code as the table says. About 100 plans: the integration
 * tier (the fast tier checks the table is complete and the reports the issue names).
 */

const MODES = { single: "dev", fleet: "prod", ci: "ci" } as const;
const recorded: Partial<Record<string, RecordedStack>> = {};
/** The running stack: its file, or its file plus the settings a case starts from (recorded once each). */
async function before(stack: string, from: Record<string, string> = {}): Promise<RecordedStack> {
  const values = Object.fromEntries(Object.entries(from).map(([key, value]) => [key.includes(":") ? key : `trafficlab:${key}`, value]));
  return (recorded[`${stack} ${JSON.stringify(values)}`] ??= await recordStack(stack, values));
}

function describeCase(c: SettingCase): string {
  return `${c.from ? `from ${Object.entries(c.from).map(([k, v]) => `${k}=${v}`).join(" ")}: ` : ""}${Object.entries(c.set).map(([k, v]) => `${k}=${k.endsWith("Password") ? "(secret)" : v}`).join(" ")} -> ${c.verdict}`;
}

for (const [mode, stack] of Object.entries(MODES) as ["single" | "fleet" | "ci", string][]) {
  describe(`--change verdicts on ${stack} (hosting ${mode}): every setting's case through the real plan`, () => {
    const all = [...Object.entries({ ...SETTING_RULES, ...SECRET_RULES }), ...Object.entries(PROVIDER_KEY_CASES)];
    for (const [key, rule] of all) {
      for (const c of rule[mode] ?? []) {
        it(`${key}: ${describeCase(c)}`, async () => {
          const base = await before(stack, c.from);
          // `pulumi config set` keeps what the running stack had: the after program has `from` too.
          const change = { set: { ...c.from, ...c.set } };
          if (c.verdict === "REFUSED") {
            const error = await planSettingsChange(stack, change, base).then(
              () => undefined,
              (caught: unknown) => caught as Error,
            );
            expect(error, "the stack accepted it").to.be.instanceOf(Error);
            expect(error!.message).to.include("Invalid stack configuration").and.include(c.refusal!);
            return;
          }
          const report = buildChangeReport(await planSettingsChange(stack, change, base));
          expect(report.verdict, renderChangeReport(report)).to.equal(c.verdict);
          expect(report.exitCode).to.equal(VERDICT_EXIT_CODES[c.verdict]);
          if (c.verdict === "UNUSED") expect(report.unused).to.deep.equal([{ key, note: `no effect: unused when hosting=${mode}` }]);
        });
      }
    }
  });
}

