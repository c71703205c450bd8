#!/usr/bin/env node
// The loadtest bin, for a workspace that installs this package; the repository's `pnpm loadtest` is a root script.
"use strict";
require("tsx/cjs");
require("../src/main.ts");
