/** The commands a mocked SDK client was sent, in order, as [name without `Command`, input]. */
export const sentCommands = (mock: { calls(): readonly { args: readonly unknown[] }[] }): [string, unknown][] =>
  mock.calls().map((c) => {
    const command = c.args[0] as { constructor: { name: string }; input: unknown };
    return [command.constructor.name.replace(/Command$/, ''), command.input];
  });
