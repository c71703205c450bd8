export { drift, generatedFiles, projectConfigBlock, ROOT } from "./generate";
export { classOutputs, interfaceMembers, type Member } from "./interface-table";
