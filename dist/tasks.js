import {
  runTasks
} from "./chunks/chunk-2ZVSJS54.js";
import "./chunks/chunk-PXCDQJM3.js";
import "./chunks/chunk-K7UNPX46.js";
import "./chunks/chunk-AXPJMKOQ.js";
import "./chunks/chunk-MHV4YG4X.js";

// lib/tasks.ts
var tasks = (custom = {}) => runTasks(custom);
var defineTask = (task) => task;
export {
  defineTask,
  tasks
};
//# sourceMappingURL=tasks.js.map
