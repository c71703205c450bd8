// Entry point `pulumi up` runs (stacks/package.json "main"). Pulumi calls the exported
// function and publishes what it returns as the stack outputs.
import { loadStackConfig } from "./config";
import { trafficlab } from "./program";

export = async () => trafficlab(loadStackConfig());
