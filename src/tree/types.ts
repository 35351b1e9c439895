/** The types of parameter trees, shared by `tree.ts` and `path.ts`. */

/** A tree of `L` leaves. Parameters are `Tree<Tensor>`. */
export type Tree<L> = L | readonly Tree<L>[] | { readonly [key: string]: Tree<L> } | null | undefined;

/** The structure of a tree without its leaves, as `flatten` gives it. */
export type TreeDef =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'none'; readonly value: null | undefined }
  | { readonly kind: 'array'; readonly children: readonly TreeDef[] }
  | {
      readonly kind: 'object';
      /** The keys, sorted: the order of `children` and of the leaves. */
      readonly keys: readonly string[];
      readonly children: readonly TreeDef[];
      /** The keys in the order the object listed them, which `unflatten` restores. */
      readonly order?: readonly string[];
    };
