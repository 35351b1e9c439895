export { countLeaves, flatten, leaves, map, sameStructure, showStructure, structure, unflatten } from './tree.ts';
export { joinPath, leafPath, leafPaths } from './path.ts';
export type { Tree, TreeDef } from './tree.ts';
