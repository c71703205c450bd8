#!/usr/bin/env node
// `pnpm plan` runs this bin (pnpm runs a workspace bin when no script has the name). A root
// script would do the same work, but pnpm prints its "> trafficlab@ plan" banner on stdout
// first, which breaks `pnpm plan --json | jq`; a bin gets no banner.
"use strict";
require("tsx/cjs");
require("../src/plan.ts");
