/** Shared fast-check arbitraries for the unit tests. */
import fc from "fast-check";

/** Any JavaScript value a hostile or careless caller could pass, exotic ones included. */
export const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});
