#!/usr/bin/env node
import {
  runTasks
} from "../chunks/chunk-2ZVSJS54.js";
import {
  ensureTypeScript
} from "../chunks/chunk-GEZXA2OC.js";
import "../chunks/chunk-PXCDQJM3.js";
import "../chunks/chunk-K7UNPX46.js";
import "../chunks/chunk-AXPJMKOQ.js";
import "../chunks/chunk-MHV4YG4X.js";

// lib/cli/bin.ts
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
var tasksFile = ["tasks.ts", "tasks.mts", "tasks.js", "tasks.mjs"].map((f) => path.resolve(f)).find((f) => existsSync(f));
if (tasksFile && readFileSync(tasksFile, "utf8").includes("seedbed/tasks")) {
  await ensureTypeScript(tasksFile);
  await import(pathToFileURL(tasksFile).href);
} else {
  await runTasks();
}
//# sourceMappingURL=bin.js.map
