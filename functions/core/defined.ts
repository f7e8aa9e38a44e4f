/** The object without its `undefined` fields, so that states and outcomes compare and print cleanly. */
export const definedOnly = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
